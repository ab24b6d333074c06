"""Changing a stored comment: new words (checked as a new comment's are) or taking it back.

Used by a commenter for their own comment within COMMENT_EDIT_MINUTES (see editing.py)
and by the owner for any comment at any time (the moderation queue).
"""

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..articles.revisions import record_change
from ..extensions import db
from ..mail import triggers
from ..models import Comment, CommentStatus, Subscription, thread_place, utcnow
from ..speed.hot_sql import in_session
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
    if comment.status == CommentStatus.PENDING and not by_owner:  # new words to moderate
        triggers.comment_held(in_session(), comment.article, comment)
    try:
        db.session.commit()
    except IntegrityError:  # the unique index: these words, in another comment of theirs
        db.session.rollback()
        raise Refused(422, FIX_FIELDS, DUPLICATE) from None


def take_back(comment: Comment) -> tuple[bool, list[int]]:
    """Delete `comment` (the caller commits). One with replies leaves its place ("This
    comment was removed.", nothing of its words or writer kept) so that the replies keep
    theirs; one without disappears, and so does a removed parent it leaves without
    replies. Returns whether its place remains, and the removed parents that went with it.

    "Has it replies?" and the delete are one statement, and on PostgreSQL the row is
    locked first, so a reply stored at the same moment either counts or finds its parent
    gone (and is refused), never ends up answering nothing."""
    article_id, was_published = comment.article_id, comment.status == CommentStatus.PUBLISHED
    parent_id = comment.parent_id
    db.session.execute(select(Comment.id).where(Comment.id == comment.id).with_for_update())
    keeps_place = not _delete_unless_answered(comment.id)
    cleared: list[int] = []
    if keeps_place:
        comment.status = CommentStatus.REMOVED
        comment.author_name = comment.author_email = comment.body = comment.body_html = ""
        comment.author_url = comment.fingerprint = comment.owner_key = None
        # its writer's request for replies goes with their words
        db.session.execute(delete(Subscription).where(Subscription.comment_id == comment.id))
    else:
        db.session.expunge(comment)
        while parent_id is not None:  # removed parents kept only for this one go too
            above = db.session.scalar(select(Comment.parent_id).where(Comment.id == parent_id))
            if not _delete_unless_answered(parent_id, removed_only=True):
                break
            cleared.append(parent_id)
            parent_id = above
    record_change(article_id, published_delta=-1 if was_published else 0)
    return keeps_place, cleared


def _delete_unless_answered(comment_id: int, removed_only: bool = False) -> bool:
    """Delete the comment if nothing answers it (and, with `removed_only`, only a removed
    placeholder); whether it was deleted."""
    replies = aliased(Comment)
    conditions = [Comment.id == comment_id, ~exists().where(replies.parent_id == comment_id)]
    if removed_only:
        conditions.append(Comment.status == CommentStatus.REMOVED)
    return db.session.execute(delete(Comment).where(*conditions)).rowcount == 1


def owner_reply(parent: Comment, text: str, name: str) -> Comment:
    """The owner's answer to `parent`, published, approving `parent` if it was held (the
    caller commits)."""
    approved = parent.status == CommentStatus.PENDING
    if approved:
        parent.status = CommentStatus.PUBLISHED
        record_change(parent.article_id, published_delta=1)
    answer = Comment(
        article_id=parent.article_id,
        author_name=name,
        author_email="",
        created_at=utcnow(),
        status=CommentStatus.PUBLISHED,
        # the same words may answer different comments; twice to one is refused
        fingerprint=antispam.fingerprint(f"owner:{parent.id}", text),
        by_owner=True,
    )
    answer.parent_id, answer.root_id, answer.depth = thread_place(parent)
    answer.set_body(text)
    db.session.add(answer)
    record_change(parent.article_id, published_delta=1)
    db.session.flush()  # the answer's id, for the mail about it
    link = in_session()
    if approved:
        triggers.comment_published(link, parent.article, parent)
    triggers.comment_published(link, parent.article, answer, approved=False)
    return answer
