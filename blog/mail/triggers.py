"""What a change to a comment sends: called inside the transaction that makes the change,
so the messages are stored with it or not at all (see outbox.py).

- a comment stored with "Email me when someone replies" ticked: its address asks for
  replies (a confirmation, if the address is new);
- a comment published (at once, or approved later): its parent's confirmed subscribers
  hear of the reply (not its writer, answering their own comment), the article's
  followers get it in their next digest, and a writer who asked is told their held
  comment is published;
- a comment held for moderation: the owner is told, with links to approve or spam it.
"""

from flask import current_app
from sqlalchemy import Integer, String, bindparam, cast, exists, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from ..models import (
    Article,
    DigestItem,
    Subscriber,
    Subscription,
)
from ..speed.hot_sql import Link, Prepared
from ..web import throttle
from . import compose, outbox, sender, subscriptions
from .addresses import mailable

_CONFIRMED_ON_COMMENT = Prepared(
    select(Subscription.id, Subscriber.id, Subscriber.email)
    .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
    .where(
        Subscription.comment_id == bindparam("comment_id", type_=Integer()),
        Subscriber.confirmed_at.is_not(None),
    )
)
_ASKED_FOR_REPLIES = aliased(Subscription)
_FOLLOWERS = (
    select(Subscription.id, cast(bindparam("comment_id", type_=Integer()), Integer()))
    .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
    .where(
        Subscription.article_id == bindparam("article_id", type_=Integer()),
        Subscriber.confirmed_at.is_not(None),
        Subscriber.email != bindparam("writer", type_=String()),
        # a follower who hears of this reply on its own is not told twice
        ~exists().where(
            _ASKED_FOR_REPLIES.subscriber_id == Subscription.subscriber_id,
            _ASKED_FOR_REPLIES.comment_id == bindparam("parent_id", type_=Integer()),
        ),
    )
)
_TO_DIGESTS: dict[str, Prepared] = {}


def _to_digests(dialect: str) -> Prepared:
    """The comment joins each follower's next digest; one listed before (approved again
    after an edit) is not listed again."""
    if dialect not in _TO_DIGESTS:
        insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[dialect]
        _TO_DIGESTS[dialect] = Prepared(
            insert(DigestItem.__table__)
            .from_select(["subscription_id", "comment_id"], _FOLLOWERS)
            .on_conflict_do_nothing()
        )
    return _TO_DIGESTS[dialect]


def comment_stored(link: Link, article: Article, comment, wants_mail: bool, status: str) -> bool:
    """A new comment (or reply) was inserted with `status`. Spam asks for nothing. False
    if its writer asked for email past their network's hourly allowance."""
    heard = True
    if wants_mail and comment.author_email and status != "spam":
        client = throttle.client_fingerprint(network=True)
        heard = subscriptions.ask(link, comment.author_email, article, client, comment.id)
    if status == "published":
        comment_published(link, article, comment, approved=False)
    elif status == "pending":
        comment_held(link, article, comment)
    return heard


def comment_published(link: Link, article: Article, comment, approved: bool = True) -> None:
    """`comment` is now published. `approved`: it was held before (its writer may be
    waiting to hear, and it may have been announced before an edit held it again)."""
    writer = mailable(comment.author_email) or ""  # "" (the owner, say) is no subscriber
    queued = False
    if comment.parent_id is not None:
        for subscription_id, subscriber_id, email in _CONFIRMED_ON_COMMENT.all(
            link, comment_id=comment.parent_id
        ):
            if email == writer:
                continue  # their own reply to themselves
            if approved and outbox.already_queued(link, "reply", comment.id, email):
                continue
            outbox.queue(
                link, compose.reply_notice(email, subscriber_id, subscription_id, article, comment)
            )
            queued = True
    if approved:
        for subscription_id, subscriber_id, email in _CONFIRMED_ON_COMMENT.all(
            link, comment_id=comment.id
        ):
            if email != writer or outbox.already_queued(link, "published", comment.id, email):
                continue
            outbox.queue(
                link,
                compose.published_notice(email, subscriber_id, subscription_id, article, comment),
            )
            queued = True
    _to_digests(link.dialect.name).execute(
        link,
        comment_id=comment.id,
        article_id=article.id,
        writer=writer,
        parent_id=comment.parent_id,
    ).close()
    if queued:
        sender.nudge_after_request()


def comment_held(link: Link, article: Article, comment) -> None:
    """`comment` waits for moderation: tell the owner (unless they get digests)."""
    config = current_app.config
    if not config["OWNER_EMAIL"] or config["MAIL_OWNER_DIGEST_MINUTES"] > 0:
        return
    outbox.queue(link, compose.held_notice(config["OWNER_EMAIL"], article, comment))
    sender.nudge_after_request()
