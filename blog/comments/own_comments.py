"""A signed cookie listing the comments this browser posted, each with a secret of its
own: its reader sees their own held comments, may edit or delete a comment for
COMMENT_EDIT_MINUTES, and a shared cache in front lets them straight through to their
pages."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Response, current_app, make_response, request

from .. import models
from ..models import CommentStatus
from ..signing import sign, unsign
from ..web.cookies import set_site_cookie
from .queries import own_among

REMEMBERED = 50  # the most recent ones are plenty
MAX_AGE = 90 * 24 * 3600
PURPOSE = "own-comments"


def new_secret() -> tuple[str, str]:
    """A comment's secret (for its writer's cookie) and the key stored with it."""
    secret = secrets.token_hex(8)
    return secret, owner_key(secret)


def owner_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def posted_tag(created_at: datetime) -> str:
    """What cookies written before comments had secrets hold instead of one."""
    return hashlib.blake2b(created_at.isoformat().encode(), digest_size=4).hexdigest()


def own_comment_ids() -> dict[int, str]:
    """The comments in this browser's cookie, if the site signed it: id -> its secret."""
    cookies, name = request.cookies, current_app.config["OWN_COMMENTS_COOKIE"]
    if name not in cookies:  # most readers (and werkzeug's get raises for a missing one)
        return {}
    value = unsign(current_app.config["SECRET_KEY"], PURPOSE, cookies[name])
    own = {}
    for entry in (value or "").split("-"):
        comment_id, _, secret = entry.partition(".")
        if comment_id.isdigit() and len(comment_id) < 19 and secret:
            own[int(comment_id)] = secret
    return own


def holds_secret(comment, secret: str | None) -> bool:
    """Is `secret` this comment's? (An id alone could name someone else's comment, after
    a restore from an older backup hands ids out again.)"""
    if not secret:
        return False
    if comment.owner_key:
        return hmac.compare_digest(owner_key(secret), comment.owner_key)
    return hmac.compare_digest(secret, posted_tag(comment.created_at))


def is_own(comment) -> bool:
    return holds_secret(comment, own_comment_ids().get(comment.id))


def may_change(comment) -> bool:
    """May this reader still edit or delete `comment`? Theirs, and within the window."""
    return (
        comment.status in (CommentStatus.PUBLISHED, CommentStatus.PENDING)
        and within_window(comment)
        and is_own(comment)
    )


def within_window(comment) -> bool:
    minutes = current_app.config["COMMENT_EDIT_MINUTES"]
    return models.utcnow() - comment.created_at < timedelta(minutes=minutes)


@dataclass
class Mine:
    """This reader's own comments on one article: held ones (only they see them) and
    ones they may still change (only they get the controls)."""

    held: list[int]
    changeable: frozenset[int]

    def __bool__(self) -> bool:
        return bool(self.held or self.changeable)


NOTHING = Mine([], frozenset())


def mine_here(article_id: int) -> Mine:
    """This reader's comments on the article (a query only for readers who have posted)."""
    own = own_comment_ids()
    if not own:
        return NOTHING
    theirs = [c for c in own_among(article_id, list(own)) if holds_secret(c, own[c.id])]
    return Mine(
        held=[c.id for c in theirs if c.status == CommentStatus.PENDING],
        changeable=frozenset(c.id for c in theirs if within_window(c)),
    )


def personal(html: str, status: int = 200, kept: bool = True) -> Response:
    """A page built for one reader: shared caches may not keep it; their browser may
    (revalidating each time), unless `kept` is false (forms holding what they typed)."""
    response = make_response(html, status)
    response.headers["Cache-Control"] = "private, no-cache" if kept else "private, no-store"
    response.vary.add("Cookie")
    return response


def remember(response: Response, comment_id: int, secret: str) -> None:
    _write(response, {**own_comment_ids(), comment_id: secret})


def forget(response: Response, comment_id: int) -> None:
    """Drop a deleted comment from the cookie."""
    own = own_comment_ids()
    own.pop(comment_id, None)
    _write(response, own)


def _write(response: Response, own: dict[int, str]) -> None:
    entries = [f"{i}.{secret}" for i, secret in own.items()][-REMEMBERED:]
    value = sign(current_app.config["SECRET_KEY"], PURPOSE, "-".join(entries))
    set_site_cookie(response, current_app.config["OWN_COMMENTS_COOKIE"], value, MAX_AGE)
