"""Changing a stored comment: new words (checked as a new comment's are) or taking it back.

Used by a commenter for their own comment within COMMENT_EDIT_MINUTES (see editing.py)
and by the owner for any comment at any time (the moderation queue).
"""

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError

from ..articles.revisions import record_change
from ..extensions import db
from ..models import Comment, CommentStatus, thread_place, utcnow
from . import antispam
from .posting import DUPLICATE, FIX_FIELDS, Refused


def change_text(comment: Comment, text: str, *, by_owner: bool = False) -> None:
    """Give `comment` new words and commit. They pass the site's rules again: words that
    would now be held send a published comment back to moderation; a held comment stays
    held (an edit never approves itself). The owner's edits are taken as they are."""
    was_published = comment.status == CommentStatus.PUBLISHED
    if not by_owner and not comment.by_owner:
        decided = antispam.decide_status(
            comment.author_name, comment.author_email, comment.author_url, text
        )
        if comment.status == CommentStatus.PENDING and decided == CommentStatus.PUBLISHED:
            decided = CommentStatus.PENDING
        comment.status = decided
    comment.set_body(text)
    comment.fingerprint = antispam.fingerprint(comment.author_email, text)
    comment.edited_at = utcnow()
    delta = int(comment.status == CommentStatus.PUBLISHED) - int(was_published)
    record_change(comment.article_id, published_delta=delta)
    try:
        db.session.commit()
    except IntegrityError:  # the unique index: these words, in another comment of theirs
        db.session.rollback()
        raise Refused(422, FIX_FIELDS, DUPLICATE) from None


def take_back(comment: Comment) -> bool:
    """Delete `comment` (the caller commits). One with replies leaves its place ("This comment was
    removed.", nothing of its words or writer kept) so that the replies keep theirs; one
    without disappears, and so does a removed parent it leaves without replies.
    Returns whether its place remains."""
    article_id, was_published = comment.article_id, comment.status == CommentStatus.PUBLISHED
    keeps_place = _has_replies(comment.id)
    if keeps_place:
        comment.status = CommentStatus.REMOVED
        comment.author_name = comment.author_email = comment.body = comment.body_html = ""
        comment.author_url = comment.fingerprint = comment.owner_key = None
    else:
        parent_id = comment.parent_id
        db.session.delete(comment)
        db.session.flush()
        _clear_empty_placeholders(parent_id)
    record_change(article_id, published_delta=-1 if was_published else 0)
    return keeps_place


def _has_replies(comment_id: int) -> bool:
    return db.session.scalar(select(exists().where(Comment.parent_id == comment_id)))


def _clear_empty_placeholders(comment_id: int | None) -> None:
    """Removed comments are kept only while they hold replies."""
    while comment_id is not None:
        placeholder = db.session.get(Comment, comment_id)
        if placeholder is None or placeholder.status != CommentStatus.REMOVED:
            return
        if _has_replies(comment_id):
            return
        comment_id = placeholder.parent_id
        db.session.execute(delete(Comment).where(Comment.id == placeholder.id))


def owner_reply(parent: Comment, text: str, name: str) -> Comment:
    """The owner's answer to `parent`, published, approving `parent` if it was held (the
    caller commits)."""
    if parent.status == CommentStatus.PENDING:
        parent.status = CommentStatus.PUBLISHED
        record_change(parent.article_id, published_delta=1)
    answer = Comment(
        article_id=parent.article_id,
        author_name=name,
        author_email="",
        created_at=utcnow(),
        status=CommentStatus.PUBLISHED,
        fingerprint=antispam.fingerprint("", text),
        by_owner=True,
    )
    answer.parent_id, answer.root_id, answer.depth = thread_place(parent)
    answer.set_body(text)
    db.session.add(answer)
    record_change(parent.article_id, published_delta=1)
    return answer
