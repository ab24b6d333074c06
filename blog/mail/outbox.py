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
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import Integer, String, and_, bindparam, insert, or_, select, update

from ..extensions import db, mail
from ..models import OutboxMessage, OutboxStatus, utcnow
from ..speed.hot_sql import Link, Prepared

log = logging.getLogger(__name__)

# A failed try is retried after 30 s, then 1, 2, 4 ... minutes, at most an hour apart,
# until two days have passed since the message was queued; then it is marked failed.
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=2)
# How long a claim lasts: longer than any one delivery can take (MAIL_TIMEOUT).
LEASE = timedelta(minutes=5)
# Claimed at a time: small, so that several senders share a long queue.
BATCH = 10


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


def claim(now: datetime, limit: int = BATCH) -> list[OutboxMessage]:
    """Claim due messages for this sender; those another sender claimed first are skipped."""
    candidates = db.session.scalars(
        select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
    ).all()
    claimed = []
    for message_id in candidates:
        changed = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _due(now))
            .values(
                status=OutboxStatus.SENDING,
                claimed_until=now + LEASE,
                attempts=OutboxMessage.attempts + 1,
            )
        ).rowcount
        if changed:
            claimed.append(message_id)
    db.session.commit()
    if not claimed:
        return []
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
        )
    )


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


def deliver_due(now: datetime | None = None) -> dict[str, int]:
    """Send every due message once; returns how many were sent, retried and failed."""
    now = now or utcnow()
    counts = {"sent": 0, "retried": 0, "failed": 0}
    messages = claim(now)
    if not messages:
        return counts
    connection = mail.get_connection()
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as error:
        for message in messages:
            counts[_failed_try(message, error, now)] += 1
        db.session.commit()
        return counts
    try:
        for message in messages:
            try:
                connection.send_messages([as_email(message)])
            except (OSError, smtplib.SMTPException) as error:
                counts[_failed_try(message, error, now)] += 1
            else:
                message.status, message.sent_at = OutboxStatus.SENT, utcnow()
                message.claimed_until = message.last_error = None
                counts["sent"] += 1
            db.session.commit()  # each outcome kept at once: a crash repeats one message at most
    finally:
        # the messages went; a server that hangs up rudely changes nothing
        with suppress(OSError, smtplib.SMTPException):
            connection.close()
    return counts


def _failed_try(message: OutboxMessage, error: Exception, now: datetime) -> str:
    log.warning("mail %s to %s not sent: %s", message.id, message.recipient, error)
    message.last_error = f"{type(error).__name__}: {error}"[:500]
    message.claimed_until = None
    next_try = now + retry_delay(message.attempts)
    if next_try > message.expires_at:
        message.status = OutboxStatus.FAILED
        return "failed"
    message.status, message.next_attempt_at = OutboxStatus.QUEUED, next_try
    return "retried"


def retry(message: OutboxMessage, now: datetime | None = None) -> None:
    """The admin asks for another try now: queued again, with two more days. Caller commits."""
    now = now or utcnow()
    message.status, message.next_attempt_at = OutboxStatus.QUEUED, now
    message.expires_at, message.claimed_until = now + GIVE_UP_AFTER, None
