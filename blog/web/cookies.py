"""The site's cookies: none for reading; one per thing a reader does (dismissing the
cookie notice here, posting a comment, signing in), each set the same careful way."""

import time
from functools import lru_cache

from flask import Blueprint, Response, current_app, redirect, request
from werkzeug.http import http_date

from .htmx import is_htmx
from .redirects import safe_next

bp = Blueprint("cookies", __name__)

CONSENT_COOKIE = "cookie_consent"


def dismissed(cookies) -> bool:
    """Whether this reader dismissed the cookie notice (pages differ by it)."""
    return cookies.get(CONSENT_COOKIE) == "1"


def set_site_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    """Never readable by scripts, never sent with cross-site requests that change things."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        expires=_expiry(int(time.time()) + max_age),
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SITE_HTTPS"],
    )


@lru_cache(maxsize=8)
def _expiry(moment: int) -> str:
    """The Expires date beside Max-Age, as werkzeug would write it, once a second: formatting
    a date is most of what setting a cookie costs (every post sets one)."""
    return http_date(moment)


@bp.post("/cookies/accept")
def accept():
    """Remember that the notice was dismissed; htmx removes it in place."""
    response = ("", 200) if is_htmx() else redirect(safe_next(request.form.get("next")), 303)
    response = current_app.make_response(response)
    set_site_cookie(response, CONSENT_COOKIE, "1", current_app.config["COOKIE_CONSENT_MAX_AGE"])
    return response
