"""Reads that page by key, never by OFFSET, so page 2,000 costs what page 1 costs."""

from sqlalchemy import Integer, and_, bindparam, or_, select

from .extensions import db
from .hot_sql import Prepared, for_request
from .models import Article, Comment, CommentStatus

# Built once: the article page runs this on every request.
_PUBLISHED_BY_SLUG = select(Article).where(
    Article.slug == bindparam("slug"), Article.is_published.is_(True)
)


def published_article_or_none(slug: str) -> Article | None:
    return db.session.execute(_PUBLISHED_BY_SLUG, {"slug": slug}).scalar_one_or_none()


def _listing(*columns, later_page: bool):
    """Published articles newest first, `size` of them; on a later page, those after
    (older than) the article `before_id`, found by key."""
    stmt = select(*columns).where(Article.is_published.is_(True))
    if later_page:
        before_id = bindparam("before_id", type_=Integer())
        anchor = select(Article.published_at).where(Article.id == before_id).scalar_subquery()
        stmt = stmt.where(
            or_(
                Article.published_at < anchor,
                and_(Article.published_at == anchor, Article.id < before_id),
            )
        )
    order = (Article.published_at.desc(), Article.id.desc())
    return stmt.order_by(*order).limit(bindparam("size", type_=Integer()))


def article_page(before_id: int | None, limit: int) -> tuple[list[Article], int | None]:
    """Newest first; returns the page and the key of the next (older) page, if any."""
    stmt = _listing(Article, later_page=bool(before_id))
    rows = list(db.session.scalars(stmt, {"before_id": before_id, "size": limit + 1}))
    page = rows[:limit]
    return page, (page[-1].id if len(rows) > limit else None)


# The versions of the articles a home page shows: every change to one (its title, text or
# comment count) bumps its revision, so together they key that page's cached HTML.
_VERSIONS = {
    later_page: Prepared(
        _listing(Article.id, Article.revision, Article.changed_at, later_page=later_page)
    )
    for later_page in (False, True)
}


def article_page_versions(before_id: int | None, limit: int) -> tuple:
    """(id, revision, changed_at) of the articles `article_page` would return, and of the
    one after them (whether there is a next page shows on the page too)."""
    statement = _VERSIONS[bool(before_id)]
    return tuple(statement.all(for_request(), before_id=before_id, size=limit + 1))


def comment_page(
    article_id: int, after_id: int | None, limit: int, own_ids: list[int] | None = None
) -> tuple[list[Comment], int | None]:
    """Oldest first after the comment `after_id`; returns the page and the next key.

    `own_ids` are held comments this reader posted: they see them, nobody else does.
    """
    visible = Comment.status == CommentStatus.PUBLISHED
    if own_ids:
        visible = or_(
            visible, and_(Comment.id.in_(own_ids), Comment.status == CommentStatus.PENDING)
        )
    stmt = select(Comment).where(Comment.article_id == article_id, visible)
    if after_id:
        anchor = select(Comment.created_at).where(Comment.id == after_id).scalar_subquery()
        stmt = stmt.where(
            or_(
                Comment.created_at > anchor,
                and_(Comment.created_at == anchor, Comment.id > after_id),
            )
        )
    stmt = stmt.order_by(Comment.created_at, Comment.id).limit(limit + 1)
    rows = list(db.session.scalars(stmt))
    page = rows[:limit]
    return page, (page[-1].id if len(rows) > limit else None)


def comment_before(comment: Comment, within: int) -> tuple[int | None, bool]:
    """The published comment just before `comment`, and whether `comment` is on page one."""
    stmt = (
        select(Comment.id)
        .where(
            Comment.article_id == comment.article_id,
            Comment.status == CommentStatus.PUBLISHED,
            or_(
                Comment.created_at < comment.created_at,
                and_(Comment.created_at == comment.created_at, Comment.id < comment.id),
            ),
        )
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(within)
    )
    earlier = list(db.session.scalars(stmt))
    return (earlier[0] if earlier else None), len(earlier) < within
