"""Moving comments in from Disqus: its XML export's threads matched to articles already
here, by address or by slug, never guessed; their posts stored as comments, threads kept.

A thread matches the article whose slug is in its link (`.../articles/<slug>` or the link's
last segment) or is its Disqus identifier. Threads that match nothing are listed. Deleted
posts are left out; spam stays spam; posts Disqus holds for approval stay held. Each
article's comments are stored in one transaction, and each comment remembers its Disqus id,
so importing the same file again adds nothing twice.
"""

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from sqlalchemy import select

from ..articles.revisions import record_change
from ..extensions import db
from ..models import Article, Comment, CommentStatus
from ..web.text import clean_line
from .imports import (
    ImportRefused,
    Summary,
    comment_text,
    kept_ancestor,
    parse_safely,
    plausible,
    web_address,
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
    parents = {
        post.get(DSQ_ID, ""): (
            parent.get(DSQ_ID, "") if (parent := post.find(f"{DISQUS}parent")) is not None else ""
        )
        for post in posts
    }
    ours: dict[str, int] = {}
    published = 0
    for post in sorted(posts, key=_created):  # a reply comes after what it answers
        dsq_id = post.get(DSQ_ID, "")
        key = f"disqus:{dsq_id}"
        existing = db.session.scalar(select(Comment.id).where(Comment.import_key == key))
        if existing is not None:
            ours[dsq_id] = existing
            summary.already["comments"] += 1
            continue
        if _text(post, "isDeleted") == "true":
            summary.skipped["deleted comments"] += 1
            continue
        comment = _new_comment(post, article_id, key)
        comment.parent_id = kept_ancestor(parents.get(dsq_id, ""), parents, ours)
        db.session.add(comment)
        db.session.flush()
        ours[dsq_id] = comment.id
        summary.comments[comment.status] += 1
        published += comment.status == CommentStatus.PUBLISHED
    if published:
        record_change(article_id, published_delta=published)


def _new_comment(post: Element, article_id: int, key: str) -> Comment:
    author = post.find(f"{DISQUS}author")
    name = clean_line(_text(author, "name")) if author is not None else ""
    email = clean_line(_text(author, "email")) if author is not None else ""
    if _text(post, "isSpam") == "true":
        status = CommentStatus.SPAM
    elif _text(post, "isApproved") == "false":
        status = CommentStatus.PENDING
    else:
        status = CommentStatus.PUBLISHED
    comment = Comment(
        article_id=article_id,
        author_name=(name or "Anonymous")[:80],
        author_email=email if len(email) <= 254 else "",
        author_url=web_address(clean_line(_text(author, "link")) if author is not None else ""),
        created_at=_created(post),
        status=status,
        import_key=key,
    )
    comment.set_body(comment_text(_text(post, "message")) or "(empty)")
    return comment


def _created(post: Element) -> datetime:
    moment = datetime.fromisoformat(_text(post, "createdAt").replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return plausible(moment)


def _text(element: Element, name: str) -> str:
    found = element.find(f"{DISQUS}{name}")
    return (found.text or "").strip() if found is not None else ""
