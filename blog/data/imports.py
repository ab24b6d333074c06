"""What the WordPress and Disqus importers share: reading XML safely, turning their light
HTML comments into ours, storing an article's comments with their threads (kept when a
comment in the middle is left out, never twice), and the summary they print."""

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException
from sqlalchemy import select

from ..articles.revisions import record_change
from ..extensions import db
from ..models import Comment, CommentStatus, thread_place
from ..rendering import plain_text
from ..web.templating import is_web_address
from ..web.text import clean_line, clean_text


class ImportRefused(Exception):
    """The file cannot be imported at all; nothing was stored."""


@dataclass
class Summary:
    articles: int | None = 0  # None: an import of comments only
    comments: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    already: Counter = field(default_factory=Counter)

    def lines(self) -> list[str]:
        comments = ", ".join(f"{n} {status}" for status, n in sorted(self.comments.items()))
        articles = "" if self.articles is None else f"{self.articles} article(s); "
        lines = [f"Imported {articles}comments: {comments or 'none'}."]
        if self.already:
            there = " and ".join(f"{n} {what}" for what, n in sorted(self.already.items()))
            lines.append(f"Already imported before: {there}.")
        lines += [f"Skipped {n}: {why}" for why, n in sorted(self.skipped.items())]
        return lines


def parse_safely(path: Path, max_bytes: int) -> Element:
    """The document's root: no DTD, no entities, no external references, not too big."""
    try:
        size = os.path.getsize(path)
    except OSError as error:
        raise ImportRefused(f"cannot read {path}: {error.strerror}") from None
    if size > max_bytes:
        raise ImportRefused(
            f"the file is {size:,} bytes; the limit is {max_bytes:,} (IMPORT_MAX_BYTES)"
        )
    try:
        return SafeTree.parse(path, forbid_dtd=True).getroot()
    except DefusedXmlException as error:
        message = f"the file declares a DTD or entities, which are refused: {error!r}"
        raise ImportRefused(message) from None
    except ParseError as error:
        raise ImportRefused(f"the file is not well-formed XML: {error}") from None


def web_address(url: str) -> str | None:
    return url if is_web_address(url) and len(url) <= 200 else None


def comment_text(html: str) -> str:
    """Their comments are light HTML; ours are plain text with paragraphs."""
    paragraphs = re.split(r"\n\s*\n|</p>\s*<p[^>]*>|<br\s*/?>\s*<br\s*/?>", clean_text(html) or "")
    return "\n\n".join(text for p in paragraphs if (text := plain_text(p)))[:5000]


@dataclass
class Incoming:
    """One comment as an export has it, in the order it is to be stored."""

    source_id: str
    parent: str  # the source id of the comment it answers; "" or "0" for none
    key: str  # where it came from, remembered as its import_key
    skipped: str | None  # why it is left out, if it is
    make: Callable[[], Comment]  # the comment to store (called only for those kept)


def store_comments(article_id: int, incoming: list[Incoming], summary: Summary) -> None:
    """Store an article's new comments with their threads, in the caller's transaction;
    those imported before are recognized by their key and left as they are."""
    parents = {entry.source_id: entry.parent for entry in incoming}
    ours: dict[str, int] = {}  # source id -> ours, for threads
    published = 0
    for entry in incoming:
        existing = db.session.scalar(select(Comment.id).where(Comment.import_key == entry.key))
        if existing is not None:
            ours[entry.source_id] = existing
            summary.already["comments"] += 1
            continue
        if entry.skipped:
            summary.skipped[entry.skipped] += 1
            continue
        comment = entry.make()
        parent_id = kept_ancestor(entry.parent, parents, ours)
        parent = db.session.get(Comment, parent_id) if parent_id else None
        comment.parent_id, comment.root_id, comment.depth = thread_place(parent)
        db.session.add(comment)
        db.session.flush()
        ours[entry.source_id] = comment.id
        summary.comments[comment.status] += 1
        published += comment.status == CommentStatus.PUBLISHED
    if published:
        record_change(article_id, published_delta=published)


def imported_comment(
    *,
    article_id: int,
    key: str,
    name: str,
    email: str,
    url: str,
    created_at: datetime,
    status: str,
    html: str,
) -> Comment:
    """A comment from another system, cleaned as our forms clean theirs: a name (or
    "Anonymous"), an email that fits, a web address only if it is http(s), plain text."""
    name, email = clean_line(name), clean_line(email)
    comment = Comment(
        article_id=article_id,
        author_name=(name or "Anonymous")[:80],
        author_email=email if len(email) <= 254 else "",
        author_url=web_address(clean_line(url)),
        created_at=created_at,
        status=status,
        import_key=key,
    )
    comment.set_body(comment_text(html) or "(empty)")
    return comment


def kept_ancestor(parent: str, parents: dict[str, str], ours: dict[str, int]) -> int | None:
    """Our id for the nearest ancestor that was kept (a reply to a trashed or deleted
    comment moves up a level); None for a top-level comment."""
    seen = set()
    while parent and parent != "0" and parent not in seen:
        if parent in ours:
            return ours[parent]
        seen.add(parent)
        parent = parents.get(parent, "")
    return None


YEARS = (1900, 2200)  # dates outside these cannot be shown in every time zone


def plausible(moment: datetime) -> datetime:
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ValueError(f"a date out of range: {moment.isoformat()}")
    return moment
