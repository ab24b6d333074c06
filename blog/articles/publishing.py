"""Turning Markdown files with front matter into articles."""

import re
from datetime import date, datetime
from pathlib import Path

import frontmatter
import yaml

from ..models import Article
from ..web.text import clean_line, clean_text

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REQUIRED = ("title", "slug", "author", "date")


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


def _text(meta: dict, key: str, limit: int) -> str:
    value = clean_line(str(meta.get(key, "")))  # no control characters, like every form
    if len(value) > limit:
        raise ImportProblem(f"'{key}' is longer than {limit} characters")
    return value


def article_from_file(path: Path) -> Article:
    """Read and check one file; return an unsaved Article or raise ImportProblem."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportProblem(f"cannot read the file: {error.strerror}") from None
    try:
        post = frontmatter.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ImportProblem("the file is not UTF-8 text") from None
    except yaml.YAMLError as error:
        raise ImportProblem(f"the front matter is not valid YAML: {error}") from None
    meta = post.metadata
    if not meta:
        raise ImportProblem("the file has no front matter (a block between '---' lines)")
    missing = [key for key in REQUIRED if not str(meta.get(key, "")).strip()]
    if missing:
        raise ImportProblem("the front matter is missing: " + ", ".join(missing))
    slug = _text(meta, "slug", 200)
    if not SLUG.match(slug):
        raise ImportProblem(
            f"'slug' must be lowercase letters, digits and single hyphens, got {slug!r}"
        )
    if not post.content.strip():
        raise ImportProblem("the article has no body text")
    published = _as_datetime(meta["date"])
    author = _text(meta, "author", 120)
    try:
        year = int(meta.get("copyright_year", published.year))
    except (TypeError, ValueError):
        raise ImportProblem("'copyright_year' must be a year such as 2007") from None
    article = Article(
        slug=slug,
        title=_text(meta, "title", 300),
        author=author,
        description=_text(meta, "description", 1000),
        copyright_year=year,
        copyright_holder=_text(meta, "copyright_holder", 200) or author,
        published_at=published,
        is_published=True,
    )
    article.set_body(clean_text(post.content))  # no control characters (PostgreSQL refuses NUL)
    return article
