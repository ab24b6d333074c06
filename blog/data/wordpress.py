"""Moving in from WordPress: its WXR export (versions 1.0 to 1.2) read into articles and
comments, threads kept.

Published posts become articles (their HTML kept, sanitized as every article body is),
with their comments: approved ones published, pending ones held, spam as spam; trashed
comments, pingbacks and trackbacks are left out. Pages, attachments, menu items, drafts and
other kinds are skipped and counted. Each article is stored in its own transaction, and
everything imported remembers where it came from (`import_key`), so importing the same
file again adds nothing twice. The file is parsed by defusedxml: no DTDs, no entities, no
external references.
"""

import re
import unicodedata
from datetime import datetime
from functools import partial
from pathlib import Path
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from sqlalchemy import select

from ..articles.writing import slug_owner
from ..extensions import db
from ..models import SLUG, Article, Comment, CommentStatus
from ..rendering import plain_text
from ..web.text import clean_line, clean_text
from .imports import (
    ImportRefused,
    Incoming,
    Summary,
    imported_comment,
    parse_safely,
    plausible,
    store_comments,
)

NAMESPACES = {
    "wp": re.compile(r"https?://wordpress\.org/export/1\.[0-2]/$"),
    "excerpt": re.compile(r"https?://wordpress\.org/export/1\.[0-2]/excerpt/$"),
    "content": re.compile(r"http://purl\.org/rss/1\.0/modules/content/$"),
    "dc": re.compile(r"http://purl\.org/dc/elements/1\.1/$"),
}
STATUSES = {"1": CommentStatus.PUBLISHED, "0": CommentStatus.PENDING, "spam": CommentStatus.SPAM}
NO_DATE = "0000-00-00 00:00:00"


def import_file(path: Path, max_bytes: int) -> Summary:
    channel, site = _read(path, max_bytes)
    authors = {
        _text(a, "wp:author_login"): _text(a, "wp:author_display_name")
        for a in _all(channel, "wp:author")
    }
    summary = Summary()
    for item in _all(channel, "item"):
        kind, status = _text(item, "wp:post_type"), _text(item, "wp:status")
        if kind != "post" or status != "publish":
            summary.skipped[
                f"{kind or 'item'} ({status or 'no status'}), not a published post"
            ] += 1
            continue
        if _text(item, "wp:post_password"):
            summary.skipped["password-protected posts (not public)"] += 1
            continue
        try:
            _store_post(item, site, authors, summary)
            db.session.commit()
        except Exception as error:  # one post's problem never stops the others
            db.session.rollback()
            title = _text(item, "title") or _text(item, "wp:post_id")
            summary.skipped[f"post {title!r}: {str(error).splitlines()[0]}"] += 1
    return summary


def _read(path: Path, max_bytes: int) -> tuple[Element, str]:
    root = parse_safely(path, max_bytes)
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None or _first(channel, "wp:wxr_version") is None:
        raise ImportRefused("not a WordPress export (WXR): no <rss><channel> with wp:wxr_version")
    site = _text(channel, "wp:base_blog_url") or _text(channel, "link") or "wordpress"
    return channel, site


def _store_post(item: Element, site: str, authors: dict, summary: Summary) -> None:
    post_id = _text(item, "wp:post_id")
    key = f"wordpress:{site}:post:{post_id}"
    article = db.session.scalar(select(Article).where(Article.import_key == key))
    if article is not None:
        summary.already["articles"] += 1
    else:
        article = _new_article(item, key, authors)
        if slug_owner(article.slug) is not None:  # an article has or had it: its links stay
            summary.skipped[f"post {article.title!r}: slug {article.slug!r} in use"] += 1
            return
        db.session.add(article)
        db.session.flush()
        summary.articles += 1
    incoming = []
    for element in _all(item, "wp:comment"):  # WordPress lists parents before replies
        wp_id = _text(element, "wp:comment_id")
        key = f"wordpress:{site}:comment:{wp_id}"
        incoming.append(
            Incoming(
                source_id=wp_id,
                parent=_text(element, "wp:comment_parent"),
                key=key,
                skipped=_why_skipped(element),
                make=partial(_new_comment, element, article.id, key),
            )
        )
    store_comments(article.id, incoming, summary)


def _why_skipped(element: Element) -> str | None:
    approved = _text(element, "wp:comment_approved")
    kind = _text(element, "wp:comment_type")
    if kind in ("pingback", "trackback"):
        return f"{kind}s (not comments)"
    if approved not in STATUSES:
        return f"comments marked {approved or 'nothing'!r} (trash)"
    return None


def _new_article(item: Element, key: str, authors: dict) -> Article:
    title = clean_line(_text(item, "title"))[:300] or "Untitled"
    author = clean_line(authors.get(_text(item, "dc:creator")) or _text(item, "dc:creator"))
    published_at = _date(item, "wp:post_date")
    article = Article(
        slug=_slug(_text(item, "wp:post_name"), title, _text(item, "wp:post_id")),
        title=title,
        author=(author or "Unknown")[:120],
        description=plain_text(_text(item, "excerpt:encoded"))[:1000],
        copyright_year=published_at.year,
        copyright_holder=(author or "Unknown")[:200],
        published_at=published_at,
        updated_at=published_at,
        import_key=key,
    )
    article.set_body(clean_text(_text(item, "content:encoded")))  # its HTML, sanitized
    return article


def _new_comment(element: Element, article_id: int, key: str) -> Comment:
    return imported_comment(
        article_id=article_id,
        key=key,
        name=_text(element, "wp:comment_author"),
        email=_text(element, "wp:comment_author_email"),
        url=_text(element, "wp:comment_author_url"),
        created_at=_date(element, "wp:comment_date"),
        status=STATUSES[_text(element, "wp:comment_approved")],
        html=_text(element, "wp:comment_content"),
    )


def _slug(name: str, title: str, post_id: str) -> str:
    """WordPress's own slug when ours can take it; else its letters (it %-encodes
    non-ASCII ones), or the title's, in ASCII."""
    if SLUG.match(name) and len(name) <= 200:
        return name
    for source in (unquote(name), title):
        ascii_text = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode()
        made = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:190].strip("-")
        if made and not made.isdigit():
            return made
    return f"post-{post_id}"


def _date(element: Element, name: str) -> datetime:
    """The GMT time WordPress keeps beside the local one (empty for some drafts)."""
    for candidate in (_text(element, f"{name}_gmt"), _text(element, name)):
        if candidate and candidate != NO_DATE:
            return plausible(datetime.strptime(candidate, "%Y-%m-%d %H:%M:%S"))
    raise ValueError(f"no date in {name}")


def _name(tag: str) -> str:
    """'{uri}local' as 'prefix:local', whichever WXR version's namespace it is."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    prefix = next((p for p, pattern in NAMESPACES.items() if pattern.match(uri)), "?")
    return f"{prefix}:{local}"


def _all(element: Element, name: str) -> list[Element]:
    return [child for child in element if _name(child.tag) == name]


def _first(element: Element, name: str) -> Element | None:
    return next((child for child in element if _name(child.tag) == name), None)


def _text(element: Element, name: str) -> str:
    found = _first(element, name)
    return (found.text or "").strip() if found is not None else ""
