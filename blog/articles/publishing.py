"""Turning Markdown files with front matter into articles, by the editor's own rules."""

from datetime import date, datetime
from pathlib import Path

import frontmatter
import yaml
from werkzeug.datastructures import MultiDict

from ..models import Article, utcnow
from . import writing
from .forms import ArticleForm, Status

REQUIRED = ("title", "slug", "author", "date")
FIELDS = ("title", "slug", "author", "description", "copyright_year", "copyright_holder")


class ImportProblem(ValueError):
    """A file that cannot become an article, with the reason in words."""


def _as_datetime(value) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=None)
    except ValueError:
        raise ImportProblem(f"'date' is not a date: {value!r} (use YYYY-MM-DD)") from None


def _read(path: Path) -> frontmatter.Post:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportProblem(f"cannot read the file: {error.strerror}") from None
    try:
        return frontmatter.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ImportProblem("the file is not UTF-8 text") from None
    except yaml.YAMLError as error:
        raise ImportProblem(f"the front matter is not valid YAML: {error}") from None


def form_from_file(path: Path) -> ArticleForm:
    """The editor's form, filled from the file's front matter and text (not yet checked).

    `date` is the publish time in the site's time zone; `status` may be draft, scheduled
    or published (by default published, or scheduled when the date is still to come);
    `tags` a list or a comma-separated line."""
    post = _read(path)
    meta = post.metadata
    if not meta:
        raise ImportProblem("the file has no front matter (a block between '---' lines)")
    missing = [key for key in REQUIRED if not str(meta.get(key, "")).strip()]
    if missing:
        raise ImportProblem("the front matter is missing: " + ", ".join(missing))
    when = _as_datetime(meta["date"])
    tags = meta.get("tags") or ""
    fields = MultiDict({key: str(meta[key]) for key in FIELDS if meta.get(key) is not None})
    fields["body"] = post.content
    fields["tags"] = ", ".join(map(str, tags)) if isinstance(tags, list) else str(tags)
    fields["publish_at"] = when.strftime("%Y-%m-%dT%H:%M:%S")
    later = writing.to_utc(when) > utcnow()
    fields["status"] = str(meta.get("status") or (Status.SCHEDULED if later else Status.PUBLISHED))
    return ArticleForm(formdata=fields, meta={"csrf": False})


def problems(form: ArticleForm) -> str:
    return "; ".join(
        f"'{name}': {' '.join(errors)}" for name, errors in form.errors.items() if errors
    )


def import_file(path: Path, existing: Article | None = None) -> writing.Saved:
    """Check the file as the editor checks a save, then store it (the caller commits);
    `existing` is the article it replaces."""
    form = form_from_file(path)
    if existing is not None:
        form.edit_version.data = str(existing.edit_version)
    if not writing.check(form, existing):
        raise ImportProblem(problems(form))
    return writing.save(form, existing)
