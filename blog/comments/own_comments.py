"""A signed cookie listing the comments this browser posted: its reader sees their own held
comments, and a shared cache in front lets them straight through to their new ones."""

import hashlib
from datetime import datetime

from flask import Response, current_app, make_response, request

from ..signing import sign, unsign
from ..web.cookies import set_site_cookie
from .queries import held_among

REMEMBERED = 50  # the most recent ones are plenty
MAX_AGE = 90 * 24 * 3600
PURPOSE = "own-comments"


def own_comment_ids() -> dict[int, str]:
    """The comments in this browser's cookie, if the site signed it: id -> the tag of when
    it was posted (an id alone could name someone else's comment after a restore from an
    older backup hands ids out again)."""
    value = unsign(
        current_app.config["SECRET_KEY"],
        PURPOSE,
        request.cookies.get(current_app.config["OWN_COMMENTS_COOKIE"]),
    )
    own = {}
    for entry in (value or "").split("-"):
        comment_id, _, tag = entry.partition(".")
        if comment_id.isdigit() and tag:
            own[int(comment_id)] = tag
    return own


def posted_tag(created_at: datetime) -> str:
    return hashlib.blake2b(created_at.isoformat().encode(), digest_size=4).hexdigest()


def is_own(comment_id: int, created_at: datetime) -> bool:
    return own_comment_ids().get(comment_id) == posted_tag(created_at)


def held_here(article_id: int) -> list[int]:
    """This reader's own comments on the article that are still held (a query only for
    readers who have posted)."""
    own = own_comment_ids()
    if not own:
        return []
    return [i for i, posted in held_among(article_id, list(own)) if own[i] == posted_tag(posted)]


def personal(html: str) -> Response:
    """A page built for one reader: their browser may keep it, shared caches may not."""
    response = make_response(html)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


def remember(response: Response, comment_id: int, created_at: datetime) -> None:
    own = {**own_comment_ids(), comment_id: posted_tag(created_at)}
    entries = [f"{i}.{tag}" for i, tag in own.items()][-REMEMBERED:]
    secret = current_app.config["SECRET_KEY"]
    value = sign(secret, PURPOSE, "-".join(entries))
    set_site_cookie(response, current_app.config["OWN_COMMENTS_COOKIE"], value, MAX_AGE)
