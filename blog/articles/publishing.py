"""Turning Markdown files with front matter into articles, by the editor's own rules."""

from datetime import UTC, date, datetime
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


def _file_date(value) -> tuple[datetime, datetime | None]:
    """The date as the site's local time, and as a moment (naive UTC) when the file gives
    its offset: one moment even in an hour the site's clocks repeat."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ImportProblem(f"'date' is not a date: {value!r} (use YYYY-MM-DD)") from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value, None
        try:
            moment = value.astimezone(UTC).replace(tzinfo=None)
            return writing.to_local(moment), moment
        except OverflowError:
            raise ImportProblem(f"'date' is out of range: {value!r}") from None
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day), None
    raise ImportProblem(f"'date' is not a date: {value!r} (use YYYY-MM-DD)")


def _words(meta: dict, key: str) -> str | None:
    """A text field of the front matter: text or a number, never a list, a mapping or a
    yes/no (YAML reads "yes" and "no" as those)."""
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ImportProblem(f"'{key}' must be text, got {value!r}")
    return str(value)


def _tags(meta: dict) -> str:
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        return tags
    if not isinstance(tags, list):
        raise ImportProblem(f"'tags' must be a list of words, got {tags!r}")
    if any(isinstance(tag, bool) or not isinstance(tag, (str, int)) for tag in tags):
        raise ImportProblem(f"'tags' must be a list of words, got {tags!r}")
    if any("," in str(tag) for tag in tags):
        raise ImportProblem("a tag in 'tags' has a comma in it: tags are single words or phrases")
    return ", ".join(map(str, tags))


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
    except (ValueError, OverflowError) as error:  # YAML reads 2026-13-45 as a bad date
        raise ImportProblem(f"the front matter has a value that is not valid: {error}") from None


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
    when, moment = _file_date(meta["date"])
    fields = MultiDict({key: value for key in FIELDS if (value := _words(meta, key)) is not None})
    fields["body"] = post.content
    fields["tags"] = _tags(meta)
    fields["publish_at"] = when.strftime("%Y-%m-%dT%H:%M:%S")
    later = (moment or writing.to_utc(when)) > utcnow()
    status = _words(meta, "status") or (Status.SCHEDULED if later else Status.PUBLISHED)
    fields["status"] = status
    form = ArticleForm(formdata=fields, meta={"csrf": False})
    form.exact_utc = moment
    return form


FILE_NAMES = {"publish_at": "date"}  # the form's names for what the file calls otherwise


def problems(form: ArticleForm) -> str:
    return "; ".join(
        f"'{FILE_NAMES.get(name, name)}': {' '.join(errors)}"
        for name, errors in form.errors.items()
        if errors
    )


def import_form(form: ArticleForm, existing: Article | None = None) -> writing.Saved:
    """Check a file's form (`form_from_file`) as the editor checks a save, then store it
    (the caller commits); `existing` is the article it replaces."""
    if existing is not None:
        form.edit_version.data = str(existing.edit_version)
    if not writing.check(form, existing):
        raise ImportProblem(problems(form))
    return writing.save(form, existing)
