"""Error pages that match the site; under htmx, a message that never replaces the page.

An outage (the database locked for longer than we wait, unreadable, read-only, or gone)
is a 503 that says so and asks to retry, never "our mistake"."""

import sqlite3
from contextlib import suppress

from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc
from werkzeug.exceptions import HTTPException, InternalServerError

from ..extensions import db
from .htmx import add_vary, is_htmx

UNAVAILABLE = "The blog is temporarily unavailable. Please try again in a moment."


def _driver_outages() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = [sqlite3.OperationalError, exc.OperationalError]
    try:
        import psycopg
    except ImportError:
        pass
    else:
        found.append(psycopg.OperationalError)
    return tuple(found)


# SQLAlchemy's, and each driver's own (the hot paths call drivers directly).
OUTAGES = _driver_outages()


def log_outage(error: BaseException) -> None:
    """One line, no traceback: an outage is news for the owner, not a bug to debug."""
    current_app.logger.warning("database unavailable: %s", str(error).splitlines()[0])


MESSAGES = {
    400: ("Bad request", "Your browser sent something this site could not understand."),
    403: ("Not allowed", "That request was refused."),
    404: ("Page not found", "We could not find the page you asked for."),
    405: ("Not allowed", "That action is not available at this address."),
    413: ("Too large", "What you sent is larger than this site accepts. Please shorten it."),
    429: ("Too many requests", "You are sending requests too quickly. Please wait a moment."),
    500: ("Something went wrong", "Our mistake: the page could not be shown. Please try again."),
    503: ("Temporarily unavailable", UNAVAILABLE),
}
RETRY_AFTER = "5"  # seconds: a locked database is usually free again by then


def render_error(code: int, message: str | None = None):
    title, default = MESSAGES.get(code, ("Error", "The request could not be completed."))
    context = {"title": title, "message": message or default}
    headers = {"Retry-After": RETRY_AFTER} if code == 503 else {}
    if is_htmx():
        # The message goes to the status region; HX-Reswap keeps the page as it is.
        html = render_template("errors/_status.html", **context)
        return html, code, {**headers, "HX-Reswap": "none"}
    return render_template("errors/error.html", **context), code, headers


def _own_description(error: HTTPException) -> str | None:
    """A description we wrote with abort(), not werkzeug's generic one."""
    return error.description if error.description != type(error).description else None


def register(app: Flask) -> None:
    app.after_request(add_vary)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        """Only the admin's forms carry tokens: a signed-in page left open too long."""
        return render_error(
            400, "This form expired or was not sent from this site. Please reload and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_error(error.code or 500, _own_description(error))

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        return render_error(500)

    def outage(error: BaseException):
        log_outage(error)
        with suppress(*OUTAGES):  # nothing was written; the session is renewed anyway
            db.session.rollback()
        return render_error(503)

    for error_class in OUTAGES:
        app.register_error_handler(error_class, outage)
