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


def _driver_errors(name: str) -> tuple[type[BaseException], ...]:
    """`name` ("Error", "OperationalError") of SQLite's driver and psycopg, if installed."""
    found = [getattr(sqlite3, name)]
    with suppress(ImportError):
        import psycopg

        found.append(getattr(psycopg, name))
    return tuple(found)


# SQLAlchemy's, and each driver's own (the hot paths call drivers directly).
DATABASE_ERRORS = (exc.DBAPIError, *_driver_errors("Error"))
_OPERATIONAL = (exc.OperationalError, *_driver_errors("OperationalError"))
# SQLSTATEs of trouble rather than bugs: connection, resources, operator intervention,
# a read-only transaction, a lock not available in time.
_OUTAGE_STATES = ("08", "53", "57", "25006", "55P03")


def is_outage(error: BaseException) -> bool:
    """The database unreachable, locked, read-only, full or not a database: not a bug."""
    original = getattr(error, "orig", None) or error
    if isinstance(error, _OPERATIONAL) or isinstance(original, _OPERATIONAL):
        return True
    if isinstance(original, sqlite3.DatabaseError) and "not a database" in str(original):
        return True  # the file was replaced or damaged
    return (getattr(original, "sqlstate", None) or "").startswith(_OUTAGE_STATES)


def log_outage(error: BaseException) -> None:
    """One line, no traceback: an outage is news for the owner, not a bug to debug."""
    current_app.logger.warning("database unavailable: %s", str(error).splitlines()[0])


MESSAGES = {
    400: ("Bad request", "Your browser sent something this site could not understand."),
    403: ("Not allowed", "That request was refused."),
    404: ("Page not found", "We could not find the page you asked for."),
    405: ("Not allowed", "That action is not available at this address."),
    413: ("Too large", "What you sent is larger than this site accepts. Please shorten it."),
    415: ("Not a form", "This site only takes forms sent from its own pages."),
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


def own_description(error: HTTPException) -> str | None:
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
        return render_error(error.code or 500, own_description(error))

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        return render_error(500)

    def database_error(error: BaseException):
        with suppress(*DATABASE_ERRORS):  # nothing was written; the session is renewed anyway
            db.session.rollback()
        if not is_outage(error):
            current_app.logger.error("database error", exc_info=error)
            return render_error(500)
        log_outage(error)
        return render_error(503)

    for error_class in DATABASE_ERRORS:
        app.register_error_handler(error_class, database_error)
