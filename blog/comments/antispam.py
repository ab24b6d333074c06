"""Checks a comment passes before it is stored, and where it goes when it is."""

import hashlib
import re
import time

from flask import current_app, request
from sqlalchemy import String, bindparam, exists, literal, select, union_all

from ..models import Comment, CommentStatus, WordRule, email_key
from ..settings import as_list
from ..signing import sign, unsign
from ..speed.hot_sql import Link, Prepared, in_session

FORM_MAX_AGE = 24 * 3600
STARTED_PURPOSE = "comment-form-started"
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)")


def now() -> float:
    return time.time()  # one place for tests to move the clock


# The last token made per article: views within the same hundredth of a second share it,
# rather than each signing the same words again (every article view makes one).
_last_started: dict[tuple[str, int], tuple[str, str]] = {}


def started_token(secret: str, article_id: int) -> str:
    """A signed note of when the form was shown, carried in a hidden field."""
    message = f"{article_id}.{int(now() * 100)}"  # rounded down: never in the future
    last = _last_started.get((secret, article_id))
    if last is not None and last[0] == message:
        return last[1]
    if len(_last_started) > 4096:
        _last_started.clear()
    token = sign(secret, STARTED_PURPOSE, message)
    _last_started[(secret, article_id)] = (message, token)
    return token


def form_started_token(article_id: int) -> str:
    return started_token(current_app.config["SECRET_KEY"], article_id)


def form_age(token: str | None, article_id: int) -> float | None:
    """Seconds since the form was shown, or None for a missing or forged token."""
    message = unsign(current_app.config["SECRET_KEY"], STARTED_PURPOSE, token)
    if message is None:
        return None
    shown_for, _, hundredths = message.partition(".")
    if shown_for != str(article_id) or not hundredths.isdigit():
        return None
    return now() - int(hundredths) / 100


def time_trap_message(token: str | None, article_id: int) -> str | None:
    """Refuse forms sent faster than a person types, or older than a day."""
    age = form_age(token, article_id)
    if age is None or age > FORM_MAX_AGE:
        return "This form is out of date. We kept your comment: please check it and send it again."
    if age < current_app.config["COMMENT_MIN_FILL_SECONDS"]:
        return "That was quicker than we expected. Please wait a moment and send it again."
    return None


def honeypot_filled() -> bool:
    """People never see the honeypot field; anything in it came from a bot."""
    form, field = request.form, current_app.config["COMMENT_HONEYPOT_FIELD"]
    return field in form and bool(form[field].strip())  # (no exception for a missing field)


def fingerprint(email: str, body: str) -> str:
    return hashlib.sha256(f"{email.lower()}\n{body}".encode()).hexdigest()


def _rules_and_history(name: str, email: str, link: Link) -> tuple[dict[str, list[str]], bool]:
    """The hold and block words (the settings' and the admin's), and whether a comment
    with this name and email was published before: one query."""
    lists: dict[str, list[str]] = {"hold": [], "block": []}
    for kind, setting in (("hold", "COMMENT_MODERATION_WORDS"), ("block", "COMMENT_BLOCK_WORDS")):
        lists[kind].extend(as_list(current_app.config.get(setting)))
    approved_before = False
    for kind, word in _RULES_AND_HISTORY.all(link, email_key=email_key(email), name=name):
        if kind == APPROVED_BEFORE:
            approved_before = True
        else:
            lists.setdefault(kind, []).append(word)
    words = {k: [w.strip().lower() for w in v if w and w.strip()] for k, v in lists.items()}
    return words, approved_before


def _mentions(words: list[str], text: str) -> bool:
    return any(word in text for word in words)


def decide_status(
    name: str, email: str, website: str | None, body: str, link: Link | None = None
) -> str:
    """Published, held for moderation, or spam, by the site's rules (read on `link`, else
    in the session)."""
    link = link or in_session()
    text = "\n".join([name, email, website or "", body]).lower()
    words, approved_before = _rules_and_history(name, email, link)
    if _mentions(words["block"], text):
        return CommentStatus.SPAM
    if len(_LINK.findall(body)) > current_app.config["COMMENT_MAX_LINKS"]:
        return CommentStatus.PENDING
    if _mentions(words["hold"], text):
        return CommentStatus.PENDING
    mode = current_app.config["COMMENT_MODERATION"]
    if mode == "all":
        return CommentStatus.PENDING
    if mode == "first-time" and not approved_before:
        return CommentStatus.PENDING
    return CommentStatus.PUBLISHED


# Every post runs this: the word rules, and one more row when the same name and email were
# approved before. Like WordPress: knowing a regular's address is not enough to skip the queue.
APPROVED_BEFORE = "approved"
_RULES_AND_HISTORY = Prepared(
    union_all(
        select(WordRule.kind, WordRule.word),
        select(literal(APPROVED_BEFORE), literal("")).where(
            exists().where(
                Comment.email_key == bindparam("email_key", type_=String()),
                Comment.status == CommentStatus.PUBLISHED,
                Comment.author_name == bindparam("name", type_=String()),
            )
        ),
    )
)
