"""Each message the site sends, built from a pair of templates (templates/email/NAME.txt
and .html) in the site's voice. A message names only its recipient and the names commenters
chose to show, never another commenter's address."""

from flask import current_app, render_template

from ..models import Article, Comment
from ..rendering import cut_at_word
from ..web.templating import absolute_url
from . import links
from .outbox import Message

QUOTE_LENGTH = 300


def _message(kind: str, recipient: str, subject: str, template: str, **context) -> Message:
    context.update(site_url=current_app.config["SITE_URL"], recipient=recipient)
    headers = {}
    owner = current_app.config["OWNER_EMAIL"]
    if owner and recipient != owner:
        headers["Reply-To"] = owner  # an answer reaches a person, not the no-reply sender
    unsubscribe = context.get("unsubscribe_url")
    if unsubscribe:
        # RFC 8058: a mail client may stop the mail with one POST, no page in between.
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return Message(
        kind=kind,
        recipient=recipient,
        # names and titles may be long; a subject stays readable (and fits its column)
        subject=f"{cut_at_word(subject, 200)} | {cut_at_word(current_app.config['SITE_NAME'], 80)}",
        text=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context),
        headers=headers,
    )


def quote(comment: Comment) -> str:
    return cut_at_word(comment.body, QUOTE_LENGTH)


def comment_url(article: Article, comment) -> str:
    return absolute_url("comments.permalink", slug=article.slug, comment_id=comment.id)


def unsubscribe_url(email: str, subscriber_id: int, subscription_id: int) -> str:
    """A link that stops one subscription, or everything to `email`: it names the address
    too, so it can never reach anyone else's mail."""
    token = links.make(links.UNSUBSCRIBE, {"s": subscriber_id, "u": subscription_id, "e": email})
    return absolute_url("mail.unsubscribe", token=token)


def _for_subscription(message: Message, subscription_id: int, comment_id=None) -> Message:
    message.subscription_id, message.comment_id = subscription_id, comment_id
    return message


def confirmation(
    email: str, subscriber_id: int, article: Article, follows: bool, sent_at
) -> Message:
    """The link names when it was sent: only the latest one sent to an address works."""
    token = links.make(
        links.CONFIRM,
        {"s": subscriber_id, "e": email, "a": article.id, "t": sent_at.isoformat()},
    )
    return _message(
        "confirm",
        email,
        "Please confirm your email address",
        "confirm",
        article=article,
        follows=follows,
        confirm_url=absolute_url("mail.confirm", token=token),
    )


def reply_notice(
    email: str, subscriber_id: int, subscription_id: int, article: Article, reply
) -> Message:
    message = _message(
        "reply",
        email,
        f"{reply.author_name} replied to your comment",
        "reply",
        article=article,
        reply=reply,
        excerpt=quote(reply),
        reply_url=comment_url(article, reply),
        unsubscribe_url=unsubscribe_url(email, subscriber_id, subscription_id),
    )
    return _for_subscription(message, subscription_id, reply.id)


def published_notice(
    email: str, subscriber_id: int, subscription_id: int, article: Article, comment
) -> Message:
    message = _message(
        "published",
        email,
        "Your comment is published",
        "published",
        article=article,
        comment=comment,
        excerpt=quote(comment),
        comment_url=comment_url(article, comment),
        unsubscribe_url=unsubscribe_url(email, subscriber_id, subscription_id),
    )
    return _for_subscription(message, subscription_id, comment.id)


def digest(
    email: str, subscriber_id: int, subscription_id: int, article: Article, comments: list
) -> Message:
    count = len(comments)
    message = _message(
        "digest",
        email,
        f"{count} new comment{'s' if count != 1 else ''} on {article.title}",
        "digest",
        article=article,
        items=[(c, quote(c), comment_url(article, c)) for c in comments],
        article_url=absolute_url("articles.show", slug=article.slug) + "#comments",
        unsubscribe_url=unsubscribe_url(email, subscriber_id, subscription_id),
    )
    return _for_subscription(message, subscription_id)


def moderation_links(comment: Comment) -> dict[str, str]:
    """Signed Approve and Mark-as-spam links for a held comment, bound to its words: an edit
    after the message was sent makes them refuse."""
    return {
        action: absolute_url(
            "mail.moderate",
            token=links.make(
                links.MODERATE, {"c": comment.id, "a": action, "v": words_key(comment.body)}
            ),
        )
        for action in ("approve", "spam")
    }


def words_key(body: str) -> str:
    return links.used_key(body)[:16]


def held_notice(owner: str, article: Article, comment) -> Message:
    message = _message(
        "held",
        owner,
        f"A comment by {comment.author_name} awaits moderation",
        "held",
        items=[(article, comment, quote(comment), moderation_links(comment))],
        queue_url=absolute_url("admin.queue"),
    )
    message.comment_id = comment.id
    return message


def held_digest(owner: str, held: list[tuple[Article, Comment]]) -> Message:
    count = len(held)
    return _message(
        "held",
        owner,
        f"{count} comments await moderation" if count != 1 else "1 comment awaits moderation",
        "held",
        items=[(a, c, quote(c), moderation_links(c)) for a, c in held],
        queue_url=absolute_url("admin.queue"),
    )
