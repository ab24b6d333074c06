"""Who gets mail: addresses that asked (double opt-in), and what they asked for.

A subscription is stored at once, inert until its address is confirmed; the first request
from an unconfirmed address sends a confirmation message, at most one per address a day,
and a client (an IPv6 client by its /64) is heard MAIL_CONFIRMATIONS_PER_HOUR times an hour,
so the forms cannot mail-bomb anyone. What a
reader is told afterwards never depends on whether the address was already confirmed (no
one learns that about someone else's address).
"""

from contextlib import closing
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import DateTime, Integer, String, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..models import (
    Article,
    Comment,
    OutboxMessage,
    OutboxStatus,
    Subscriber,
    Subscription,
    SubscriptionKind,
    utcnow,
)
from ..speed.hot_sql import Link, Prepared
from ..web import throttle
from . import compose, outbox
from .addresses import mailable

CONFIRMATION_EVERY = timedelta(hours=24)
# What a reader who ticked "Email me when someone replies" is told: the same words whether
# or not the address is confirmed already (no one learns that).
REPLIES_ASKED = (
    "We will email you when someone replies, once your address is confirmed: unless it"
    " already is, look for our message (in the spam folder too)."
)
# Past the client's hourly allowance: true for everyone, whatever their address.
TOO_MANY_ASKS = (
    "Too many requests for email came from your network this hour: if your address is not"
    " confirmed yet, we sent nothing. Please ask again later."
)

_INSERTS: dict[str, Prepared] = {}


def _insert_ignoring_repeats(table, dialect: str, **values) -> Prepared:
    """INSERT ... ON CONFLICT DO NOTHING: two requests at once for one address or one
    subscription store it once, and neither fails."""
    key = f"{table.name}:{dialect}"
    if key not in _INSERTS:
        insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[dialect]
        _INSERTS[key] = Prepared(insert(table).values(values).on_conflict_do_nothing())
    return _INSERTS[key]


_SUBSCRIBER = Prepared(
    select(Subscriber.id, Subscriber.confirmed_at).where(
        Subscriber.email == bindparam("email", type_=String())
    )
)
_CLAIM_CONFIRMATION = Prepared(
    update(Subscriber)
    .where(
        Subscriber.id == bindparam("subscriber_id", type_=Integer()),
        Subscriber.confirmed_at.is_(None),
        (Subscriber.confirmation_sent_at.is_(None))
        | (Subscriber.confirmation_sent_at <= bindparam("cutoff", type_=DateTime())),
    )
    .values(confirmation_sent_at=bindparam("now", type_=DateTime()))
)


def subscriber_for(link: Link, address: str, now: datetime) -> tuple[int, bool]:
    """The subscriber row of `address` (made if new), and whether it is confirmed."""
    row = _SUBSCRIBER.first(link, email=address)
    if row is None:
        _insert_ignoring_repeats(
            Subscriber.__table__,
            link.dialect.name,
            email=bindparam("email", type_=String()),
            created_at=bindparam("now", type_=DateTime()),
        ).execute(link, email=address, now=now).close()
        row = _SUBSCRIBER.first(link, email=address)
    return row[0], row[1] is not None


def ask(
    link: Link,
    email: str,
    article: Article,
    client_key: str,
    comment_id: int | None = None,
    now: datetime | None = None,
) -> bool:
    """`email` asks for replies to comment `comment_id`, or (without it) for every new
    comment on `article`. In the caller's transaction. False if the client is past its
    hourly allowance (the reader is told so).

    Every ask counts against the client's hourly allowance, whatever becomes of it, so
    that what a client can observe never depends on someone else's address. Past the
    allowance, only a confirmed address's request is kept (it sends nothing new)."""
    now = now or utcnow()
    address = mailable(email)
    if address is None:
        return True  # the forms refuse such addresses before
    per_hour = current_app.config["MAIL_CONFIRMATIONS_PER_HOUR"]
    heard = throttle.hit(f"mail-ask:{client_key}", 3600, link) <= per_hour
    row = _SUBSCRIBER.first(link, email=address)
    if not heard and (row is None or row[1] is None):
        return False  # over the limit, an address not confirmed: nothing stored or sent
    subscriber_id, confirmed = subscriber_for(link, address, now)
    kind = SubscriptionKind.REPLIES if comment_id else SubscriptionKind.ARTICLE
    _insert_ignoring_repeats(
        Subscription.__table__,
        link.dialect.name,
        subscriber_id=bindparam("subscriber_id", type_=Integer()),
        kind=bindparam("kind", type_=String()),
        comment_id=bindparam("comment_id", type_=Integer()),
        article_id=bindparam("article_id", type_=Integer()),
        created_at=bindparam("now", type_=DateTime()),
    ).execute(
        link,
        subscriber_id=subscriber_id,
        kind=kind,
        comment_id=comment_id,
        article_id=None if comment_id else article.id,
        now=now,
    ).close()
    if confirmed:
        return heard
    # One statement decides, so two requests at once send one confirmation between them.
    with closing(
        _CLAIM_CONFIRMATION.execute(
            link, subscriber_id=subscriber_id, cutoff=now - CONFIRMATION_EVERY, now=now
        )
    ) as claimed:
        if claimed.rowcount != 1:
            return heard
    message = compose.confirmation(address, subscriber_id, article, not comment_id, now)
    message.client_key = client_key
    outbox.queue(link, message, now)
    return heard


def confirm(subscriber: Subscriber) -> None:
    """Its address is confirmed: what it asked for is on (caller commits)."""
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = utcnow()


def requests_of(session, subscriber: Subscriber) -> list[tuple[str, Article, Comment | None]]:
    """What confirming turns on: (kind, article, the comment for replies), so the person
    sees every request made with their address, also any they did not make."""
    rows = session.execute(
        select(Subscription.kind, Article, Comment)
        .select_from(Subscription)
        .outerjoin(Comment, Comment.id == Subscription.comment_id)
        .join(Article, Article.id == func.coalesce(Subscription.article_id, Comment.article_id))
        .where(Subscription.subscriber_id == subscriber.id)
        .order_by(Subscription.id)
    )
    return [tuple(row) for row in rows]


def stop(session, subscription: Subscription) -> int:
    """Stop one subscription: for replies, every reply subscription of that address in the
    same thread. Returns how many stopped (caller commits)."""
    if subscription.kind != SubscriptionKind.REPLIES or subscription.comment_id is None:
        session.delete(subscription)
        return 1
    comment = session.get(Comment, subscription.comment_id)
    top = comment.root_id or comment.id
    in_thread = select(Comment.id).where((Comment.id == top) | (Comment.root_id == top))
    return session.execute(
        delete(Subscription).where(
            Subscription.subscriber_id == subscription.subscriber_id,
            Subscription.kind == SubscriptionKind.REPLIES,
            Subscription.comment_id.in_(in_thread),
        )
    ).rowcount


def stop_all(session, subscriber: Subscriber) -> int:
    """Delete every subscription of the address, its confirmation, and the messages kept
    for it (a queued one is not sent): nothing more goes to it until it opts in again. The
    day's clock starts again now, so no one can have a confirmation sent to it at once,
    and its earlier confirmation links stop working. Returns how many stopped (caller
    commits)."""
    stopped = session.execute(
        delete(Subscription).where(Subscription.subscriber_id == subscriber.id)
    ).rowcount
    session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.recipient == subscriber.email,
            OutboxMessage.status != OutboxStatus.SENDING,  # its sender is about to say how it went
        )
    )
    subscriber.confirmed_at, subscriber.confirmation_sent_at = None, utcnow()
    return stopped
