"""The pages behind the links in emails, and the follow form.

Every link works without JavaScript and without signing in: the signed token in its
address is the permission. Opening a link only shows a page with a button; nothing changes
before the POST, so mail scanners that fetch every link change nothing. These pages are
for their recipient alone: never stored by a cache, never indexed, never sent as referrer.
"""

from flask import Blueprint, abort, render_template, request
from sqlalchemy.exc import IntegrityError

from ..admin import moderation
from ..articles.views import article_or_404
from ..comments.antispam import honeypot_filled
from ..extensions import db
from ..models import Article, Comment, CommentStatus, Subscriber, Subscription, UsedKey
from ..speed.hot_sql import in_session
from ..web import throttle
from ..web.htmx import is_htmx
from . import compose, links, sender, subscriptions
from .forms import ConfirmForm, FollowForm, ModerateForm, UnsubscribeForm

bp = Blueprint("mail", __name__)

# A token is about 100 characters; anything far longer is not one of ours.
LONGEST_TOKEN = 400
FOLLOWS_PER_HOUR = 20

ASKED = (
    "Thank you. Unless {email} is already confirmed, we have sent it a link to confirm"
    " (look in the spam folder too); nothing else is sent to it before that. No email?"
    " Ask again tomorrow."
)
LINK_PROBLEMS = {
    links.BadLink: (
        400,
        "This link does not work",
        "It may have been cut short or changed on the way. Nothing was changed. Copy the"
        " whole link from the email, or open it from the email again.",
    ),
    links.ExpiredLink: (
        410,
        "This link has expired",
        "Links in our emails to confirm or to moderate work for 7 days. Nothing was changed.",
    ),
}


@bp.after_request
def for_the_recipient_only(response):
    if request.endpoint not in ("mail.follow", "mail.asked"):
        response.headers["Cache-Control"] = "no-store"
        # the address holds the link's permission: never sent to another site ("no-referrer"
        # would make older browsers send "Origin: null" with the page's own buttons)
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def _read(purpose: str, token: str, *ids: str) -> dict:
    """The link's payload; `ids` name the values in it that must be row ids."""
    if len(token) > LONGEST_TOKEN:
        raise links.BadLink
    payload = links.read(purpose, token)
    for name in ids:
        value = payload.get(name)
        # a genuine link holds small positive whole numbers, never anything else
        if type(value) is not int or not 0 < value < 2**31:
            raise links.BadLink
    return payload


def _problem(error: Exception):
    status, title, text = LINK_PROBLEMS[type(error)]
    return render_template("mail/notice.html", title=title, text=text), status


@bp.route("/mail/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    try:
        payload = _read(links.CONFIRM, token, "s", "a")
    except (links.BadLink, links.ExpiredLink) as error:
        return _problem(error)
    article = db.session.get(Article, payload["a"])
    subscriber = _subscriber_named(payload)
    if subscriber is not None and subscriber.confirmed_at is not None:
        return render_template("mail/confirmed.html", email=subscriber.email, article=article)
    requests = subscriptions.requests_of(db.session, subscriber) if subscriber else []
    if not requests or subscriber.confirmation_sent_at is None:
        return _notice(NOTHING_TO_CONFIRM, article)
    if subscriber.confirmation_sent_at.isoformat() != payload.get("t"):
        return _notice(NEWER_LINK, article)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "mail/confirm.html",
            form=form,
            email=subscriber.email,
            article=article,
            requests=requests,
        )
    subscriptions.confirm(subscriber)
    db.session.commit()
    return render_template("mail/confirmed.html", email=subscriber.email, article=article)


NOTHING_TO_CONFIRM = (
    "Nothing to confirm",
    "This address has no requests waiting: they were stopped, or they expired. Nothing was"
    " changed; to get email, tick the box on a comment form again.",
)
NEWER_LINK = (
    "This link no longer works",
    "A newer confirmation message was sent to this address since this one, or the address"
    " stopped all email: please use the link in the newest message. Nothing was changed.",
)


def _subscriber_named(payload: dict) -> Subscriber | None:
    """The subscriber a link names, by id and address: an id given to someone else since
    (the first was forgotten) is not theirs to confirm or stop."""
    subscriber = db.session.get(Subscriber, payload["s"])
    return subscriber if subscriber is not None and subscriber.email == payload.get("e") else None


def _notice(notice: tuple[str, str], article=None):
    title, text = notice
    return render_template("mail/notice.html", title=title, text=text, article=article), 410


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    try:
        payload = _read(links.UNSUBSCRIBE, token, "s", "u")
    except (links.BadLink, links.ExpiredLink) as error:
        return _problem(error)
    subscriber = _subscriber_named(payload)
    subscription = db.session.get(Subscription, payload["u"]) if subscriber else None
    if subscription is not None and subscription.subscriber_id != subscriber.id:
        subscription = None
    one_click = request.form.get("List-Unsubscribe") == "One-Click"  # RFC 8058
    form = UnsubscribeForm()
    if request.method == "GET" or not (one_click or form.validate_on_submit()):
        return render_template(
            "mail/unsubscribe.html", form=form, subscriber=subscriber, subscription=subscription
        )
    everything = form.everything.data and not one_click
    if subscriber is not None and everything:
        subscriptions.stop_all(db.session, subscriber)
    elif subscription is not None:
        subscriptions.stop(db.session, subscription)
    db.session.commit()
    return render_template(
        "mail/unsubscribed.html",
        email=subscriber.email if subscriber else None,
        everything=everything,
    )


@bp.route("/mail/moderate/<token>", methods=["GET", "POST"])
def moderate(token: str):
    try:
        payload = _read(links.MODERATE, token, "c")
    except (links.BadLink, links.ExpiredLink) as error:
        return _problem(error)
    action = payload.get("a")
    if action not in ("approve", "spam"):
        return _problem(links.BadLink())
    comment = db.session.get(Comment, payload["c"])
    problem = _cannot_moderate(token, comment, payload.get("v"))
    if problem:
        return _notice((problem, _QUEUE_HINT))
    form = ModerateForm()
    if not form.validate_on_submit():
        return render_template("mail/moderate.html", form=form, comment=comment, action=action)
    moderation.apply(action, [comment.id])
    db.session.add(UsedKey(digest=links.used_key(token)))
    try:
        db.session.commit()
    except IntegrityError:  # the same link, used at the same moment
        db.session.rollback()
        return _notice((USED, _QUEUE_HINT))
    return render_template("mail/moderated.html", comment=comment, action=action)


USED = "This link was already used"
_QUEUE_HINT = "Nothing was changed. The moderation queue shows every comment as it is now."


def _cannot_moderate(token: str, comment: Comment | None, words: str | None) -> str | None:
    if db.session.get(UsedKey, links.used_key(token)) is not None:
        return USED
    if comment is None or comment.status == CommentStatus.REMOVED:
        return "That comment no longer exists"
    if comment.status != CommentStatus.PENDING:
        return "That comment was already moderated"
    if compose.words_key(comment.body) != words:
        return "That comment was changed after the email was sent"
    return None


@bp.get("/articles/<slug>/comments/<id:comment_id>/email")
def asked(slug: str, comment_id: int):
    """Where a comment posted without JavaScript, with "Email me when someone replies"
    ticked, lands: what happens next, and the way to the comment. The same for everyone
    (it names no one), so it stores and reveals nothing."""
    article, _ = article_or_404(slug)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.article_id != article.id:
        abort(404, description="That comment is not available. It may have been removed.")
    words = subscriptions.TOO_MANY_ASKS if request.args.get("busy") else subscriptions.REPLIES_ASKED
    return render_template("mail/asked.html", article=article, comment_id=comment_id, text=words)


@bp.post("/articles/<slug>/follow")
def follow(slug: str):
    """Ask for every new comment on the article by email (in digests)."""
    article, _ = article_or_404(slug)
    form = FollowForm()
    if honeypot_filled():  # a bot: it is told what a person would be, and nothing happens
        return _follow_answer(article, FollowForm(formdata=None), ASKED.format(email="it"), 200)
    if not form.validate_on_submit():
        return _follow_answer(article, form, "Please correct the marked field.", 422)
    if throttle.hit(f"follow:{throttle.client_fingerprint()}", 3600) > FOLLOWS_PER_HOUR:
        db.session.commit()
        message = "You have asked many times in the last hour. Please try again later."
        return _follow_answer(article, form, message, 429)
    heard = subscriptions.ask(
        in_session(), form.email.data, article, throttle.client_fingerprint(True)
    )
    db.session.commit()
    if not heard:
        return _follow_answer(article, form, subscriptions.TOO_MANY_ASKS, 429)
    sender.nudge_after_request()
    message = ASKED.format(email=form.email.data)
    return _follow_answer(article, FollowForm(formdata=None), message, 200)


def _follow_answer(article, form, message, status):
    template = "mail/_follow.html" if is_htmx() else "mail/followed.html"
    html = render_template(template, article=article, follow_form=form, follow_message=message)
    return html, status
