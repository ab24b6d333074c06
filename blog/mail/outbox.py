"""The outbox: messages written with the change that causes them, delivered by senders.

Writing a message is one INSERT in the caller's transaction, so a post that is rolled back
leaves no mail behind and a committed one cannot lose its mail. Delivering claims each
message first with a compare-and-set UPDATE (queued and due -> sending, with a lease);
only the sender whose UPDATE changed the row sends it, so two senders (threads, processes,
machines; SQLite or PostgreSQL) never both send one message. A sender that dies while
sending leaves a lease that runs out, and the message is tried again.
"""

import json
import logging
import smtplib
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import Integer, String, and_, bindparam, insert, or_, select, update

from ..articles.queries import readers_see
from ..extensions import db, mail
from ..models import (
    Comment,
    CommentStatus,
    OutboxMessage,
    OutboxStatus,
    Subscription,
    utcnow,
)
from ..speed.hot_sql import Link, Prepared

log = logging.getLogger(__name__)

# A failed try is retried after 30 s, then 1, 2, 4 ... minutes, at most an hour apart,
# until two days have passed since the message was queued; then it is marked failed.
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=2)
# How long a claim lasts: longer than one delivery can take (a few MAIL_TIMEOUTs). Each
# message is claimed just before it is sent, so the lease covers that one message.
LEASE = timedelta(minutes=5)
# Messages one round sends at most, before it looks at digests again.
BATCH = 100


@dataclass
class Message:
    """A message as the outbox keeps it."""

    kind: str
    recipient: str
    subject: str
    text: str
    html: str
    headers: dict = field(default_factory=dict)
    comment_id: int | None = None
    subscription_id: int | None = None
    client_key: str | None = None


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    doublings = min(max(attempts - 1, 0), 12)  # past an hour already; no giant numbers
    return min(FIRST_RETRY * 2**doublings, LONGEST_WAIT)


def new_message_id() -> str:
    """A Message-ID on the site's own domain, fixed when queued: every try sends the same
    one, so a receiver can tell a repeat."""
    host = current_app.config["MAIL_DOMAIN"]
    return f"<{uuid.uuid4().hex}@{host}>"


_COLUMNS = OutboxMessage.__table__.c
_INSERT = Prepared(
    insert(OutboxMessage.__table__).values(
        {
            name: bindparam(name, type_=_COLUMNS[name].type)
            for name in (
                "kind",
                "recipient",
                "subject",
                "text_body",
                "html_body",
                "headers",
                "message_id",
                "comment_id",
                "subscription_id",
                "client_key",
                "status",
                "attempts",
                "created_at",
                "next_attempt_at",
                "expires_at",
            )
        }
    )
)


def queue(link: Link, message: Message, now: datetime | None = None) -> None:
    """Write `message` to the outbox in the transaction open on `link`."""
    now = now or utcnow()
    _INSERT.execute(
        link,
        kind=message.kind,
        recipient=message.recipient,
        subject=message.subject,
        text_body=message.text,
        html_body=message.html,
        headers=json.dumps(message.headers),
        message_id=new_message_id(),
        comment_id=message.comment_id,
        subscription_id=message.subscription_id,
        client_key=message.client_key,
        status=OutboxStatus.QUEUED,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
        expires_at=now + GIVE_UP_AFTER,
    ).close()


_SENT_BEFORE = Prepared(
    select(OutboxMessage.id)
    .where(
        OutboxMessage.comment_id == bindparam("comment_id", type_=Integer()),
        OutboxMessage.kind == bindparam("kind", type_=String()),
        OutboxMessage.recipient == bindparam("recipient", type_=String()),
        # one dropped (the comment was held again before it went) says nothing was sent
        OutboxMessage.status != OutboxStatus.DROPPED,
    )
    .limit(1)
)


def already_queued(link: Link, kind: str, comment_id: int, recipient: str) -> bool:
    """Was this message about this comment written for this recipient before? (A comment
    approved again after an edit is not announced twice.)"""
    found = _SENT_BEFORE.first(link, kind=kind, comment_id=comment_id, recipient=recipient)
    return found is not None


def _due(now: datetime):
    return or_(
        and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now),
        # a sender that claimed it stopped before saying how it went
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now),
    )


def claim_next(now: datetime, after: int = 0) -> OutboxMessage | None:
    """Claim the next due message (id above `after`) for this sender, just before sending
    it, so that a claim never waits behind other messages to be sent; one that another
    sender claimed first is skipped."""
    while True:
        message_id = db.session.scalar(
            select(OutboxMessage.id)
            .where(_due(now), OutboxMessage.id > after)
            .order_by(OutboxMessage.id)
            .limit(1)
        )
        if message_id is None:
            db.session.rollback()
            return None
        changed = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _due(now))
            .values(
                status=OutboxStatus.SENDING,
                claimed_until=now + LEASE,
                attempts=OutboxMessage.attempts + 1,
            )
        ).rowcount
        db.session.commit()
        if changed:
            return db.session.get(OutboxMessage, message_id)
        after = message_id


def as_email(message: OutboxMessage) -> EmailMultiAlternatives:
    config = current_app.config
    headers = json.loads(message.headers)
    reply_to = headers.pop("Reply-To", None)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text_body,
        from_email=config["MAIL_DEFAULT_SENDER"],
        to=[message.recipient],
        reply_to=[reply_to] if reply_to else None,
        headers={"Message-ID": message.message_id, **headers},
    )
    email.attach_alternative(message.html_body, "text/html")
    return email


def unwanted(message: OutboxMessage) -> str | None:
    """Why a message should not go any more: its subscription was stopped, or the comment
    it announces is no longer published (marked as spam, taken back) since it was queued."""
    if message.subscription_id is not None and (
        db.session.get(Subscription, message.subscription_id) is None
    ):
        return "Not sent: the subscription was stopped."
    if message.comment_id is None:
        return None
    comment = db.session.get(Comment, message.comment_id)
    if message.kind in ("reply", "published") and (
        comment is None or comment.status != CommentStatus.PUBLISHED
    ):
        return "Not sent: the comment is no longer published."
    if message.kind in ("reply", "published") and not readers_see(comment.article_id):
        return "Not sent: its article is not published (a draft, or not yet due)."
    if message.kind == "held" and (comment is None or comment.status != CommentStatus.PENDING):
        return "Not sent: the comment was moderated before it went."
    return None


# A message the mail library cannot even build (an address it refuses) fails at once.
_HOPELESS = (ValueError, UnicodeError, TypeError)


def deliver_due(now: datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """Send up to `limit` due messages, each once; how many were sent, retried, failed and
    dropped. One connection to the mail server for all of them, opened when needed."""
    start, started = now or utcnow(), time.monotonic()

    def clock() -> datetime:
        """The time now, not when the round began: a slow server makes long rounds, and a
        lease or a next try counted from the start would end too soon."""
        return start + timedelta(seconds=time.monotonic() - started)

    counts = {"sent": 0, "retried": 0, "failed": 0, "dropped": 0}
    connection, last, server_down = None, 0, None
    try:
        for _ in range(limit):
            message = claim_next(clock(), last)
            if message is None:
                break
            last = message.id
            reason = unwanted(message)
            if reason:
                message.status, message.last_error = OutboxStatus.DROPPED, reason
                message.claimed_until = None
                counts["dropped"] += 1
                db.session.commit()
                continue
            if server_down is None and connection is None:
                try:
                    connection = mail.get_connection()
                    connection.open()
                except (OSError, smtplib.SMTPException) as error:
                    server_down, connection = error, None
            if server_down is not None:  # each waits its next try; no new connection now
                counts[_failed_try(message, server_down, clock())] += 1
                db.session.commit()
                continue
            try:
                connection.send_messages([as_email(message)])
            except (OSError, smtplib.SMTPException, *_HOPELESS) as error:
                if isinstance(error, (OSError, smtplib.SMTPServerDisconnected)):
                    connection = _closed(connection)  # a new one for the next message
                counts[_failed_try(message, error, clock())] += 1
            else:
                message.status, message.sent_at = OutboxStatus.SENT, utcnow()
                message.claimed_until = message.last_error = None
                counts["sent"] += 1
            db.session.commit()  # each outcome kept at once: a crash repeats one message at most
    finally:
        _closed(connection)
    return counts


def _closed(connection) -> None:
    """Close a connection to the mail server, if open; a server that hangs up rudely
    changes nothing."""
    if connection is not None:
        with suppress(OSError, smtplib.SMTPException):
            connection.close()
    return None


def _failed_try(message: OutboxMessage, error: Exception, now: datetime) -> str:
    log.warning("mail %s to %s not sent: %s", message.id, message.recipient, error)
    message.last_error = f"{type(error).__name__}: {error}"[:500]
    message.claimed_until = None
    next_try = now + retry_delay(message.attempts)
    if next_try > message.expires_at or isinstance(error, _HOPELESS):
        message.status = OutboxStatus.FAILED
        return "failed"
    message.status, message.next_attempt_at = OutboxStatus.QUEUED, next_try
    return "retried"


def retry(message: OutboxMessage, now: datetime | None = None) -> None:
    """The admin asks for another try now: queued again, with two more days. Caller commits."""
    now = now or utcnow()
    message.status, message.next_attempt_at = OutboxStatus.QUEUED, now
    message.expires_at, message.claimed_until = now + GIVE_UP_AFTER, None
