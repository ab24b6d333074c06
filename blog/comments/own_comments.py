"""A signed cookie listing the comments this browser posted: its reader sees their own held
comments, and a shared cache in front lets them straight through to their new ones."""

from flask import Response, current_app, make_response, request

from ..signing import sign, unsign
from ..web.cookies import set_site_cookie
from .queries import held_among

REMEMBERED = 50  # the most recent ones are plenty
MAX_AGE = 90 * 24 * 3600
PURPOSE = "own-comments"


def own_comment_ids() -> list[int]:
    """The ids in this browser's cookie, if the site signed it; else none."""
    ids = unsign(
        current_app.config["SECRET_KEY"],
        PURPOSE,
        request.cookies.get(current_app.config["OWN_COMMENTS_COOKIE"]),
    )
    if not ids:
        return []
    return [int(i) for i in ids.split("-") if i.isdigit()]


def held_here(article_id: int) -> list[int]:
    """This reader's own comments on the article that are still held (a query only for
    readers who have posted)."""
    ids = own_comment_ids()
    return held_among(article_id, ids) if ids else []


def personal(html: str) -> Response:
    """A page built for one reader: their browser may keep it, shared caches may not."""
    response = make_response(html)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


def remember(response: Response, comment_id: int) -> None:
    ids = [*own_comment_ids(), comment_id][-REMEMBERED:]
    secret = current_app.config["SECRET_KEY"]
    value = sign(secret, PURPOSE, "-".join(map(str, ids)))
    set_site_cookie(response, current_app.config["OWN_COMMENTS_COOKIE"], value, MAX_AGE)
