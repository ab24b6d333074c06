"""Moving comments in from Disqus: its XML export's threads matched to articles already
here, by address or by slug, never guessed; their posts stored as comments, threads kept.

A thread matches the article whose slug is in its link (`.../articles/<slug>` or the link's
last segment) or is its Disqus identifier. Threads that match nothing are listed. Deleted
posts are left out; spam stays spam; posts Disqus holds for approval stay held. Each
article's comments are stored in one transaction, and each comment remembers its Disqus id,
so importing the same file again adds nothing twice.
"""

from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from sqlalchemy import select

from ..extensions import db
from ..models import Article, Comment, CommentStatus
from .imports import (
    ImportRefused,
    Incoming,
    Summary,
    imported_comment,
    parse_safely,
    plausible,
    store_comments,
)

DISQUS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"


def import_file(path: Path, max_bytes: int) -> tuple[Summary, list[str]]:
    """What was imported, and the links of the threads that match no article."""
    root = parse_safely(path, max_bytes)
    if root.tag != f"{DISQUS}disqus":
        raise ImportRefused(
            'not a Disqus export: its root is not <disqus xmlns="http://disqus.com">'
        )
    articles = {
        slug: article_id
        for article_id, slug in db.session.execute(select(Article.id, Article.slug))
    }
    matched: dict[str, int] = {}
    unmatched: list[str] = []
    for thread in root.findall(f"{DISQUS}thread"):
        article_id = _match(thread, articles)
        if article_id is None:
            unmatched.append(_text(thread, "link") or _text(thread, "id"))
        else:
            matched[thread.get(DSQ_ID)] = article_id
    posts_by_article: dict[int, list[Element]] = {}
    summary = Summary(articles=None)
    for post in root.findall(f"{DISQUS}post"):
        thread = post.find(f"{DISQUS}thread")
        article_id = matched.get(thread.get(DSQ_ID) if thread is not None else "")
        if article_id is None:
            summary.skipped["comments of threads that match no article"] += 1
            continue
        posts_by_article.setdefault(article_id, []).append(post)
    for article_id, posts in posts_by_article.items():
        try:
            _store_posts(article_id, posts, summary)
            db.session.commit()
        except Exception as error:  # one article's problem never stops the others
            db.session.rollback()
            summary.skipped[f"comments of article {article_id}: {str(error).splitlines()[0]}"] += (
                len(posts)
            )
    return summary, unmatched


def _match(thread: Element, articles: dict[str, int]) -> int | None:
    path = [unquote(p) for p in urlsplit(_text(thread, "link")).path.split("/") if p]
    candidates = []
    if len(path) >= 2 and path[-2] == "articles":
        candidates.append(path[-1])
    if path:
        candidates.append(path[-1])
    candidates.append(_text(thread, "id"))
    return next((articles[c] for c in candidates if c in articles), None)


def _store_posts(article_id: int, posts: list[Element], summary: Summary) -> None:
    incoming = []
    for post in sorted(posts, key=_created):  # a reply comes after what it answers
        dsq_id, parent = post.get(DSQ_ID, ""), post.find(f"{DISQUS}parent")
        key = f"disqus:{dsq_id}"
        incoming.append(
            Incoming(
                source_id=dsq_id,
                parent=parent.get(DSQ_ID, "") if parent is not None else "",
                key=key,
                skipped="deleted comments" if _text(post, "isDeleted") == "true" else None,
                make=partial(_new_comment, post, article_id, key),
            )
        )
    store_comments(article_id, incoming, summary)


def _new_comment(post: Element, article_id: int, key: str) -> Comment:
    author = post.find(f"{DISQUS}author")
    if _text(post, "isSpam") == "true":
        status = CommentStatus.SPAM
    elif _text(post, "isApproved") == "false":
        status = CommentStatus.PENDING
    else:
        status = CommentStatus.PUBLISHED
    return imported_comment(
        article_id=article_id,
        key=key,
        name=_text(author, "name"),
        email=_text(author, "email"),
        url=_text(author, "link"),
        created_at=_created(post),
        status=status,
        html=_text(post, "message"),
    )


def _created(post: Element) -> datetime:
    moment = datetime.fromisoformat(_text(post, "createdAt").replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return plausible(moment)


def _text(element: Element | None, name: str) -> str:
    found = element.find(f"{DISQUS}{name}") if element is not None else None
    return (found.text or "").strip() if found is not None else ""
