"""A signed cookie that remembers which held comments this browser posted."""

from functools import lru_cache

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

REMEMBERED = 50  # the most recent ones are plenty


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=4)  # built once per secret, not on every post
def _serializer_for(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="own-comments")


def own_comment_ids() -> list[int]:
    raw = request.cookies.get(current_app.config["OWN_COMMENTS_COOKIE"])
    if not raw:
        return []
    try:
        ids = _serializer().loads(raw)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def remember(response: Response, comment_id: int) -> None:
    ids = [*own_comment_ids(), comment_id][-REMEMBERED:]
    response.set_cookie(
        current_app.config["OWN_COMMENTS_COOKIE"],
        _serializer().dumps(ids),
        max_age=90 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SITE_HTTPS"],
    )
