"""What the WordPress and Disqus importers share: reading XML safely, turning their light
HTML comments into ours, keeping threads when a comment in the middle is left out, and
the summary they print."""

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException

from ..rendering import plain_text
from ..web.text import clean_text


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
    return url if url.lower().startswith(("http://", "https://")) and len(url) <= 200 else None


def comment_text(html: str) -> str:
    """Their comments are light HTML; ours are plain text with paragraphs."""
    paragraphs = re.split(r"\n\s*\n|</p>\s*<p[^>]*>|<br\s*/?>\s*<br\s*/?>", clean_text(html) or "")
    return "\n\n".join(text for p in paragraphs if (text := plain_text(p)))[:5000]


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
