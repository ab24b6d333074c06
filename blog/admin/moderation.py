"""Changing a comment's status while keeping the article's published count right."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..articles.revisions import record_change
from ..comments import changes
from ..extensions import db
from ..mail import triggers
from ..models import Comment, CommentStatus
from ..speed.hot_sql import in_session

ACTIONS = {"approve": CommentStatus.PUBLISHED, "spam": CommentStatus.SPAM, "delete": None}
DONE = {"approve": "Approved.", "spam": "Marked as spam.", "delete": "Deleted."}


def apply(action: str, comment_ids: list[int]) -> list[Comment]:
    """Approve, spam or delete comments; returns those that existed. Caller commits."""
    comments = list(
        db.session.scalars(
            select(Comment).options(joinedload(Comment.article)).where(Comment.id.in_(comment_ids))
        )
    )
    new_status = ACTIONS[action]
    for comment in comments:
        if new_status is None:  # one with replies leaves its place; counts kept there
            changes.take_back(comment)
            continue
        if comment.status == CommentStatus.REMOVED:
            continue  # a placeholder has nothing to approve or mark
        was_published = comment.status == CommentStatus.PUBLISHED
        now_published = new_status == CommentStatus.PUBLISHED
        if was_published or now_published:
            record_change(comment.article_id, int(now_published) - int(was_published))
        comment.status = new_status
        if now_published and not was_published:  # replies announced, its writer told
            triggers.comment_published(in_session(), comment.article, comment)
    return comments


LABELS = {"approve": "Approve", "spam": "Spam", "delete": "Delete"}


def actions_for(comment: Comment) -> list[tuple[str, str]]:
    """The actions that would change this comment, with their button labels."""
    return [
        (action, LABELS[action]) for action, status in ACTIONS.items() if status != comment.status
    ]
