"""A signed cookie that remembers which held comments this browser posted."""

from flask import Response, current_app, request

from .signing import sign, unsign

REMEMBERED = 50  # the most recent ones are plenty
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


def remember(response: Response, comment_id: int) -> None:
    ids = [*own_comment_ids(), comment_id][-REMEMBERED:]
    response.set_cookie(
        current_app.config["OWN_COMMENTS_COOKIE"],
        sign(current_app.config["SECRET_KEY"], PURPOSE, "-".join(map(str, ids))),
        max_age=90 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SITE_HTTPS"],
    )
