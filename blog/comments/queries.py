"""Reads of an article's comments, a page at a time by key."""

from datetime import datetime

from sqlalchemy import and_, or_, select

from ..extensions import db
from ..keyset import beyond
from ..models import Comment, CommentStatus


def comment_page(
    article_id: int, after_id: int | None, limit: int, own_ids: list[int] | None = None
) -> tuple[list[Comment], int | None]:
    """Oldest first after the comment `after_id`; returns the page and the next key.

    `own_ids` are held comments this reader posted: they see them, nobody else does. The
    comment `after_id` only marks a place in time, so it may since have been held, marked
    spam or deleted (a deleted one marks no place: the page is empty); it must belong to
    this article.
    """
    visible = Comment.status == CommentStatus.PUBLISHED
    if own_ids:
        visible = or_(
            visible, and_(Comment.id.in_(own_ids), Comment.status == CommentStatus.PENDING)
        )
    stmt = select(Comment).where(Comment.article_id == article_id, visible)
    if after_id:
        anchor = select(Comment.created_at).where(
            Comment.id == after_id, Comment.article_id == article_id
        )
        stmt = stmt.where(
            beyond(
                Comment.created_at,
                Comment.id,
                after_id,
                older=False,
                anchor_time=anchor.scalar_subquery(),
            )
        )
    stmt = stmt.order_by(Comment.created_at, Comment.id).limit(limit + 1)
    rows = list(db.session.scalars(stmt))
    page = rows[:limit]
    return page, (page[-1].id if len(rows) > limit else None)


def comment_before(comment, within: int) -> tuple[int | None, bool]:
    """The published comment just before `comment`, and whether `comment` is on page one."""
    stmt = (
        select(Comment.id)
        .where(
            Comment.article_id == comment.article_id,
            Comment.status == CommentStatus.PUBLISHED,
            beyond(
                Comment.created_at,
                Comment.id,
                comment.id,
                older=True,
                anchor_time=comment.created_at,
            ),
        )
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(within)
    )
    earlier = list(db.session.scalars(stmt))
    return (earlier[0] if earlier else None), len(earlier) < within


def held_among(article_id: int, ids: list[int]) -> list[tuple[int, datetime]]:
    """Which of `ids` are held comments on this article, with when each was posted (a
    reader's own, to show them)."""
    if not ids:
        return []
    stmt = select(Comment.id, Comment.created_at).where(
        Comment.article_id == article_id,
        Comment.id.in_(ids),
        Comment.status == CommentStatus.PENDING,
    )
    return [(i, posted) for i, posted in db.session.execute(stmt)]
