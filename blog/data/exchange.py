"""The blog as one JSON document: `flask export` writes it, `flask import` reads it back.

What is stored is exported as it is (ids included, so permalinks keep working); what is
derived from it (HTML, summaries, counts, the lower-cased email, cache revisions) is not,
and is rebuilt on import. Password hashes and hashed client addresses are left out unless
asked for. The format is described in the README ("Export and import"); `VERSION` goes
up whenever it changes.
"""

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import selectinload

from ..articles.forms import same_tag_name, tag_problem
from ..articles.writing import shared_tag
from ..extensions import db
from ..models import (
    SLUG,
    AdminUser,
    Article,
    Comment,
    CommentStatus,
    OldSlug,
    Tag,
    Throttle,
    WordRule,
    thread_place,
    utcnow,
)
from ..web.text import clean_line, clean_text, has_visible_text
from .imports import YEARS

FORMAT = "porchlight-blog"
# 2 added "parent_id" and "import_key", 3 "edited_at" and "by_owner" (and, with secrets,
# "owner_key"), 4 an article's "tags" and "old_slugs"; files of earlier versions are read
# as well.
VERSION = 4
ARTICLE_FIELDS = (
    "id",
    "slug",
    "title",
    "author",
    "description",
    "body_markdown",
    "copyright_year",
    "copyright_holder",
    "published_at",
    "updated_at",
    "is_published",
    "import_key",
)
COMMENT_FIELDS = (
    "id",
    "article_id",
    "author_name",
    "author_email",
    "author_url",
    "body",
    "created_at",
    "status",
    "fingerprint",
    "parent_id",
    "import_key",
    "edited_at",
    "by_owner",
)
# A comment's thread (root_id, depth) follows from parent_id and is worked out on import.
SECRET_COMMENT_FIELDS = ("ip_hash", "owner_key")
# werkzeug's scrypt and pbkdf2 hashes, with a cost a sign-in can afford.
PASSWORD_HASH = re.compile(
    r"(scrypt:\d+:\d+:\d+|pbkdf2:sha(256|512):\d+)\$[^$]{1,64}\$[0-9a-f]{32,256}"
)
# Ids up to here (a billion): ids after them still fit the INTEGER columns of PostgreSQL.
MAX_IMPORTED_ID = 2**30
DATES = {"published_at", "updated_at", "created_at", "edited_at"}


class ImportRefused(Exception):
    """The file cannot be imported; nothing was stored."""


def export_blog(with_secrets: bool = False) -> dict[str, Any]:
    """Everything, read in one transaction (one consistent moment, while others write)."""
    comment_fields = COMMENT_FIELDS + (SECRET_COMMENT_FIELDS if with_secrets else ())
    session = db.session
    session.rollback()  # begin afresh, so that every read below shares one snapshot
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    elif dialect == "sqlite":
        session.connection().exec_driver_sql(
            "BEGIN"
        )  # its driver would read statement by statement
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _stamp(utcnow()),
        "with_secrets": with_secrets,
        "articles": _articles(session),
        "comments": [
            _row(c, comment_fields) for c in session.scalars(select(Comment).order_by(Comment.id))
        ],
        "word_rules": [
            {"kind": r.kind, "word": r.word}
            for r in session.scalars(select(WordRule).order_by(WordRule.id))
        ],
    }
    if with_secrets:
        document["admins"] = [
            {
                "username": a.username,
                "password_hash": a.password_hash,
                "session_version": a.session_version,
            }
            for a in session.scalars(select(AdminUser).order_by(AdminUser.id))
        ]
    session.rollback()  # only read
    return document


def _articles(session) -> list[dict[str, Any]]:
    old_slugs: dict[int, list[str]] = {}
    for old in session.scalars(select(OldSlug).order_by(OldSlug.slug)):
        old_slugs.setdefault(old.article_id, []).append(old.slug)
    articles = session.scalars(
        select(Article).order_by(Article.id).options(selectinload(Article.tags))
    )
    return [
        {
            **_row(a, ARTICLE_FIELDS),
            "tags": [t.name for t in a.tags],
            "old_slugs": old_slugs.get(a.id, []),
        }
        for a in articles
    ]


def _tags_and_old_slugs(rows: list[dict], articles: list[Article]) -> list[OldSlug]:
    """Each article's tags (one Tag per address, shared) and its old addresses."""
    tags: dict[str, Tag] = {}
    old: list[OldSlug] = []
    for row, article in zip(rows, articles, strict=True):
        names = row.get("tags", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f'article {article.id}: "tags" must be a list of words')
        names = [clean_line(n) for n in names]
        if problem := tag_problem(names):
            raise ValueError(f"article {article.id}: {problem}")
        for name in names:
            tag = shared_tag(tags, name)
            if not same_tag_name(tag.name, name):
                raise ValueError(f"the tags {tag.name!r} and {name!r} would share one address")
            article.tags.append(tag)
        slugs = row.get("old_slugs", [])
        if not isinstance(slugs, list):
            raise ValueError(f'article {article.id}: "old_slugs" must be a list')
        for slug in slugs:
            if not isinstance(slug, str) or len(slug) > 200 or not SLUG.match(slug):
                raise ValueError(f"article {article.id}: old slug {slug!r} is not an address")
            old.append(OldSlug(slug=slug, article_id=article.id))
    return old


def is_empty() -> bool:
    return not (
        db.session.scalar(select(func.count(Article.id)))
        or db.session.scalar(select(func.count(Comment.id)))
    )


def import_blog(document: Any, replace: bool = False) -> dict[str, int]:
    """Store an exported blog, in one transaction; counts of what was stored. Into an
    empty blog, or with `replace` instead of what this one has (its admins are kept
    unless the file has some). Anything wrong with the file refuses it whole."""
    check_header(document)
    if not replace and not is_empty():
        raise ImportRefused("this blog is not empty: import only into a new blog")
    try:
        article_rows = _list(document, "articles")
        articles = [_article(row) for row in article_rows]
        old_slugs = _tags_and_old_slugs(article_rows, articles)
        known = {a.id for a in articles}
        comments = [_comment(row, known) for row in _list(document, "comments")]
        rules = [
            WordRule(kind=_text(r, "kind"), word=_text(r, "word"))
            for r in _list(document, "word_rules")
        ]
        admins = [_admin(a) for a in _list(document, "admins")]
    except (KeyError, TypeError, ValueError) as error:
        raise ImportRefused(f"the file does not match the export format: {error}") from None
    for rows, what in ((articles, "article"), (comments, "comment")):
        for field_name in ("id", "import_key", *(("slug",) if what == "article" else ())):
            values = [getattr(row, field_name) for row in rows]
            values = [v for v in values if v is not None]
            if len(values) != len(set(values)):
                raise ImportRefused(f"the file has two {what}s with the same {field_name}")
    addresses = [a.slug for a in articles] + [o.slug for o in old_slugs]
    if len(addresses) != len(set(addresses)):
        raise ImportRefused("the file gives one address (slug, or old slug) to two articles")
    names = [admin.username for admin in admins]
    if len(names) != len(set(names)):
        raise ImportRefused("the file has two admins with the same username")
    try:
        comments = _parents_first(comments)
    except ValueError as error:
        raise ImportRefused(f"the file does not match the export format: {error}") from None
    published: dict[int, int] = {}
    for comment in comments:
        if comment.status == CommentStatus.PUBLISHED:
            published[comment.article_id] = published.get(comment.article_id, 0) + 1
    for article in articles:
        article.comment_count = published.get(article.id, 0)
    try:
        if replace:
            every = (Comment, OldSlug, Article, Tag, WordRule, Throttle)
            for model in (*every, *([AdminUser] if admins else [])):
                db.session.execute(delete(model))
        db.session.add_all(articles)
        db.session.flush()
        db.session.add_all([*old_slugs, *comments, *rules, *admins])
        db.session.flush()
        _continue_ids_after_imported_ones()
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        raise ImportRefused(f"the file could not be stored: {error}") from None
    return {"articles": len(articles), "comments": len(comments), "word rules": len(rules)}


def check_header(document: Any) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportRefused(f'not a {FORMAT} export (its "format" is not {FORMAT!r})')
    version = document.get("version")
    if not isinstance(version, int) or not 1 <= version <= VERSION:
        raise ImportRefused(
            f"export format version {version!r}: this blog reads versions 1 to {VERSION}"
        )


def _list(document: dict, key: str) -> list[dict]:
    rows = document.get(key, [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValueError(f'"{key}" must be a list of objects')
    return rows


def _text(row: dict, key: str, optional: bool = False, limit: int | None = None) -> str | None:
    """Text as the app's own forms would store it: no control characters (NUL among them,
    which PostgreSQL refuses), within the column's length."""
    value = row.get(key) if optional else row[key]
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(f'"{key}" must be text, got {value!r}')
    value = clean_text(value)
    if limit is not None and len(value) > limit:
        raise ValueError(f'"{key}" is longer than {limit} characters')
    return value


def _integer(row: dict, key: str) -> int:
    value = row[key]
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_IMPORTED_ID:
        raise ValueError(
            f'"{key}" must be a whole number from 1 to {MAX_IMPORTED_ID}, got {value!r}'
        )
    return value


def _date(row: dict, key: str) -> datetime:
    try:
        moment = datetime.fromisoformat(_text(row, key).replace("Z", "+00:00"))
        if moment.tzinfo is not None:  # stored as naive UTC
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        moment = datetime.min
    if not YEARS[0] <= moment.year <= YEARS[1]:  # shown in any time zone without overflow
        raise ValueError(f'"{key}" must be a time between the years {YEARS[0]} and {YEARS[1]}')
    return moment


def _line(row: dict, key: str, limit: int, optional: bool = False) -> str | None:
    """A one-line field as the forms keep it: no newlines or bidirectional controls."""
    value = _text(row, key, optional=optional)
    if value is None:
        return None
    value = clean_line(value)
    if len(value) > limit:
        raise ValueError(f'"{key}" is longer than {limit} characters')
    return value


def _required(value: str, key: str) -> str:
    if not has_visible_text(value):
        raise ValueError(f'"{key}" is empty')
    return value


def _sane_cost(password_hash: str) -> bool:
    method = password_hash.split("$", 1)[0].split(":")
    if method[0] == "scrypt":
        n, r, p = map(int, method[1:])
        return n <= 2**17 and n & (n - 1) == 0 and 1 <= r <= 16 and 1 <= p <= 4
    return int(method[2]) <= 2_000_000


def _admin(row: dict) -> AdminUser:
    username, password_hash = (
        _text(row, "username", limit=80),
        _text(row, "password_hash", limit=255),
    )
    if not username.strip() or not password_hash:
        raise ValueError("an admin needs a username and a password hash")
    if not PASSWORD_HASH.fullmatch(password_hash) or not _sane_cost(password_hash):
        raise ValueError(f"admin {username!r}: not a password hash this blog makes")
    version = row.get("session_version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValueError(f'"session_version" must be a whole number, got {version!r}')
    # One more than exported: sessions of the old blog are over in the new one.
    return AdminUser(username=username, password_hash=password_hash, session_version=version + 1)


def _article(row: dict) -> Article:
    slug = _text(row, "slug", limit=200)
    if not SLUG.match(slug):
        raise ValueError(f"article slug {slug!r} is not lower-case letters, digits and hyphens")
    if not isinstance(row["is_published"], bool):
        raise ValueError(f'"is_published" must be true or false, got {row["is_published"]!r}')
    article = Article(
        id=_integer(row, "id"),
        slug=slug,
        title=_required(_line(row, "title", 300), "title"),
        author=_required(_line(row, "author", 120), "author"),
        description=_text(row, "description"),
        copyright_year=_integer(row, "copyright_year"),
        copyright_holder=_line(row, "copyright_holder", 200),
        published_at=_date(row, "published_at"),
        updated_at=_date(row, "updated_at"),
        is_published=row["is_published"],
        import_key=_text(row, "import_key", optional=True, limit=300),
    )
    article.set_body(_text(row, "body_markdown"))
    return article


def _comment(row: dict, article_ids: set[int]) -> Comment:
    article_id = _integer(row, "article_id")
    if article_id not in article_ids:
        raise ValueError(f"comment {row.get('id')!r} belongs to no article in the file")
    status = _text(row, "status")
    if status not in set(CommentStatus):
        raise ValueError(f"comment {row.get('id')!r} has an unknown status {status!r}")
    url = _line(row, "author_url", 200, optional=True) or None
    parts = urlsplit(url or "http://x")
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"comment {row.get('id')!r} has a web address that is not http(s)")
    removed = status == CommentStatus.REMOVED  # a placeholder: no name, no words
    by_owner = row.get("by_owner", False)
    if not isinstance(by_owner, bool):
        raise ValueError(f'"by_owner" must be true or false, got {by_owner!r}')
    name = _line(row, "author_name", 80)
    comment = Comment(
        id=_integer(row, "id"),
        article_id=article_id,
        author_name=name if removed else _required(name, "author_name"),
        author_email=_line(row, "author_email", 254),
        author_url=url,
        created_at=_date(row, "created_at"),
        status=status,
        fingerprint=_text(row, "fingerprint", optional=True, limit=64),
        ip_hash=_text(row, "ip_hash", optional=True, limit=64),
        parent_id=_integer(row, "parent_id") if row.get("parent_id") is not None else None,
        import_key=_text(row, "import_key", optional=True, limit=300),
        edited_at=_date(row, "edited_at") if row.get("edited_at") is not None else None,
        by_owner=by_owner,
        owner_key=_text(row, "owner_key", optional=True, limit=64),
    )
    body = _text(row, "body", limit=5000)
    comment.set_body(body if removed else _required(body, "body"))
    return comment


def _parents_first(comments: list[Comment]) -> list[Comment]:
    """Each reply after the comment it answers, which must be in the file too (walked
    without recursion: a hostile file may nest thousands deep)."""
    by_id = {c.id: c for c in comments}
    placed: set[int] = set()
    ordered: list[Comment] = []
    for comment in sorted(comments, key=lambda c: c.id):
        chain: list[Comment] = []
        in_chain: set[int] = set()
        current = comment
        while current.id not in placed:
            if current.id in in_chain:
                raise ValueError(f"comment {current.id} answers itself, through its replies")
            chain.append(current)
            in_chain.add(current.id)
            if current.parent_id is None:
                break
            parent = by_id.get(current.parent_id)
            if parent is None or parent.article_id != current.article_id:
                raise ValueError(f"comment {current.id} answers no comment of its article")
            current = parent
        for link in reversed(chain):
            placed.add(link.id)
            ordered.append(link)
            parent = by_id.get(link.parent_id) if link.parent_id else None
            link.parent_id, link.root_id, link.depth = thread_place(parent)
    return ordered


def _continue_ids_after_imported_ones() -> None:
    """PostgreSQL hands out ids from a sequence that explicit ids do not move."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in ("article", "comment", "word_rule", "admin_user"):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
        )


def _row(obj, fields: tuple[str, ...]) -> dict[str, Any]:
    row = {field: getattr(obj, field) for field in fields}
    for field in DATES & row.keys():
        row[field] = _stamp(row[field]) if row[field] is not None else None
    return row


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds") + "Z"  # stored naive, in UTC
