"""Digests: a follower of an article gets at most one email per MAIL_DIGEST_MINUTES,
listing the comments published since the last one; with MAIL_OWNER_DIGEST_MINUTES the
owner gets held comments the same way.

The comments wait as digest items, written when each was published (and kept once sent,
so that none is listed twice). A sender writes a
digest after claiming its subscription with a compare-and-set on `last_digest_at`, in the
transaction that also takes the items and queues the message, so two senders write it once.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    PUBLISHED,
    Article,
    Comment,
    CommentStatus,
    DigestItem,
    OutboxMessage,
    Subscription,
    UsedKey,
    utcnow,
)
from ..speed.hot_sql import in_session
from . import compose, outbox


def write_due(now: datetime | None = None) -> int:
    """Write every digest that is due; returns how many messages were queued."""
    now = now or utcnow()
    written = _follower_digests(now)
    if current_app.config["OWNER_EMAIL"] and current_app.config["MAIL_OWNER_DIGEST_MINUTES"] > 0:
        written += _owner_digest(now)
    return written


def _follower_digests(now: datetime) -> int:
    cutoff = now - timedelta(minutes=current_app.config["MAIL_DIGEST_MINUTES"])
    ready = or_(Subscription.last_digest_at.is_(None), Subscription.last_digest_at <= cutoff)
    waiting = select(DigestItem.subscription_id).where(DigestItem.sent_at.is_(None))
    # a digest of an article readers cannot see (made a draft again) waits until they can
    public = select(Article.id).where(PUBLISHED)
    due = db.session.scalars(
        select(Subscription.id)
        .where(ready, Subscription.id.in_(waiting), Subscription.article_id.in_(public))
        .order_by(Subscription.id)
    ).all()
    written = 0
    for subscription_id in due:
        claimed = db.session.execute(
            update(Subscription)
            .where(Subscription.id == subscription_id, ready)
            .values(last_digest_at=now)
        ).rowcount
        if not claimed:
            db.session.rollback()  # another sender wrote it
            continue
        written += _write_digest(subscription_id, now)
        db.session.commit()
    return written


def _write_digest(subscription_id: int, now: datetime) -> int:
    subscription = db.session.get(Subscription, subscription_id)
    waiting = db.session.scalars(
        select(DigestItem.comment_id).where(
            DigestItem.subscription_id == subscription_id, DigestItem.sent_at.is_(None)
        )
    ).all()
    comments = list(
        db.session.scalars(
            select(Comment)
            .where(Comment.id.in_(waiting), Comment.status == CommentStatus.PUBLISHED)
            .order_by(Comment.created_at, Comment.id)
        )
    )
    # exactly those read: one published meanwhile waits for the next digest; one held
    # again since (an edit) leaves, to come back when it is approved
    listed = [comment.id for comment in comments]
    mine = DigestItem.subscription_id == subscription_id
    db.session.execute(
        update(DigestItem).where(mine, DigestItem.comment_id.in_(listed)).values(sent_at=now)
    )
    gone = set(waiting) - set(listed)
    if gone:
        db.session.execute(delete(DigestItem).where(mine, DigestItem.comment_id.in_(gone)))
    if not comments:  # all taken back since: nothing to say, and no wait before the next
        subscription.last_digest_at = None
        return 0
    article = db.session.get(Article, subscription.article_id)
    message = compose.digest(
        subscription.subscriber.email,
        subscription.subscriber_id,
        subscription.id,
        article,
        comments,
    )
    outbox.queue(in_session(), message, now)
    return 1


def _owner_digest(now: datetime) -> int:
    """Held comments since the owner's last digest, once per MAIL_OWNER_DIGEST_MINUTES."""
    minutes = current_app.config["MAIL_OWNER_DIGEST_MINUTES"]
    last = db.session.scalar(
        select(func.max(OutboxMessage.created_at)).where(OutboxMessage.kind == "held-digest")
    )
    if last is not None and now - last < timedelta(minutes=minutes):
        return 0
    held = list(
        db.session.scalars(
            select(Comment)
            .options(joinedload(Comment.article))
            .where(Comment.status == CommentStatus.PENDING)
            # held since the last digest: posted, or sent back by an edit
            .where(func.coalesce(Comment.edited_at, Comment.created_at) > last if last else true())
            .order_by(Comment.created_at, Comment.id)
        )
    )
    if not held:
        return 0
    window = int(now.timestamp() // (minutes * 60))
    try:
        # one digest per window, whichever sender gets there first
        db.session.add(UsedKey(digest=f"owner-digest:{window}", used_at=now))
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return 0
    message = compose.held_digest(current_app.config["OWNER_EMAIL"], [(c.article, c) for c in held])
    message.kind = "held-digest"
    outbox.queue(in_session(), message, now)
    db.session.commit()
    return 1
