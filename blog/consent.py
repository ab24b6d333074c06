"""The cookie notice: dismissing it sets a long-lived cookie."""

from flask import Blueprint, current_app, redirect, request

from .htmx import is_htmx

bp = Blueprint("consent", __name__)


def dismissed(config, cookies) -> bool:
    """Whether this reader dismissed the cookie notice (pages differ by it)."""
    return cookies.get(config["COOKIE_CONSENT_NAME"]) == "1"


def safe_next(target: str | None) -> str:
    """Only a path on this site, so the redirect cannot send readers elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@bp.post("/cookies/accept")
def accept():
    """Remember that the notice was dismissed; htmx removes it in place."""
    response = ("", 200) if is_htmx() else redirect(safe_next(request.form.get("next")), 303)
    response = current_app.make_response(response)
    response.set_cookie(
        current_app.config["COOKIE_CONSENT_NAME"],
        "1",
        max_age=current_app.config["COOKIE_CONSENT_MAX_AGE"],
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SITE_HTTPS"],
    )
    return response
