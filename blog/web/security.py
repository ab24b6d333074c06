"""Security headers, trusted hosts, proxy awareness and request checks on every request."""

import logging
import re
import sys
from urllib.parse import unquote_to_bytes

from flask import Flask, abort, current_app, request
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wsgi import get_host

from . import origin
from .errors import is_outage

# Scripts only from our own origin: htmx is configured by a <meta> tag and needs no eval,
# and there is no inline script or on* attribute anywhere.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


HEADERS = [
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]
HSTS = ("Strict-Transport-Security", "max-age=31536000")


BAD_HOST = b"<!doctype html><title>Bad request</title><p>This site is not served at that address."
# For what fails before Flask can render a page of the site (the database file unopenable).
UNAVAILABLE = (
    b"<!doctype html><title>Temporarily unavailable</title>"
    b"<p>The blog is temporarily unavailable. Please try again in a moment."
)
FAILED = (
    "500 Internal Server Error",
    b"<!doctype html><title>Something went wrong</title>"
    b"<p>Our mistake: the page could not be shown. Please try again.",
)
log = logging.getLogger(__name__)


class SecurityHeaders:
    """WSGI middleware: the same headers on every response, early answers included; and
    a request for a host we do not serve is refused before anything can use its name."""

    def __init__(self, wsgi_app, https: bool, trusted_hosts: list[str]):
        self.wsgi_app, self.trusted_hosts = wsgi_app, trusted_hosts
        self.headers = [*HEADERS, HSTS] if https else HEADERS
        self.checked_hosts: set[str] = set()  # Host values werkzeug has found good

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers.extend(h for h in self.headers if h[0].lower() not in present)
            return start_response(status, headers, exc_info)

        if "HTTP_COOKIE" in environ:
            environ["HTTP_COOKIE"] = readable_cookies(environ["HTTP_COOKIE"])
        host = environ.get("HTTP_HOST")
        if host not in self.checked_hosts:
            try:
                get_host(environ, self.trusted_hosts)
            except SecurityError:
                start("400 Bad Request", [("Content-Type", "text/html; charset=utf-8")])
                return [BAD_HOST]
            if host and len(self.checked_hosts) < 16:  # good ones are few; never grows
                self.checked_hosts.add(host)
        try:
            return self.wsgi_app(environ, start)
        except Exception as error:  # Flask answers its own; this is what escaped it
            outage = is_outage(error)
            log.error("request failed outside Flask: %r", error, exc_info=not outage)
            status, page = ("503 Service Unavailable", UNAVAILABLE) if outage else FAILED
            headers = [("Content-Type", "text/html; charset=utf-8")]
            if outage:
                headers.append(("Retry-After", "5"))
            start(status, headers, sys.exc_info())
            return [page]


def _readable(text: str) -> bool:
    try:
        text.encode("latin-1").decode("utf-8")  # how WSGI and werkzeug read headers
    except UnicodeError:
        return False
    return True


def readable_cookies(header: str) -> str:
    """The Cookie header without the cookies that are not UTF-8 text: a cookie we cannot
    read is ignored, where werkzeug would fail on the whole header."""
    if _readable(header):
        return header
    return ";".join(part for part in header.split(";") if _readable(part))


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_HIGH_ESCAPE = re.compile(rb"%[89a-fA-F][0-9a-fA-F]")
# A part of a multipart body that names a charset other than UTF-8 (werkzeug would use it).
_OTHER_CHARSET = re.compile(rb"(?im)^content-type:[^\r\n]*charset=\s*(?!\"?utf-?8(?:[\s;\"]|$))")
NOT_UTF8 = "What you sent was not valid UTF-8 text. Please try again."


def long_form(view):
    """Mark a signed-in owner's view whose form may be larger than MAX_CONTENT_LENGTH
    (an article's text): up to LONG_FORM_BYTES, for a signed-in owner only."""
    view.takes_long_forms = True
    return view


def allow_long_forms() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "takes_long_forms", False) and current_user.is_authenticated:
        limit = current_app.config["LONG_FORM_BYTES"]
        request.max_content_length = request.max_form_memory_size = limit


def reject_malformed_forms() -> None:
    """Every POST body is a form (no view here reads anything else) in valid UTF-8:
    werkzeug would silently replace bad bytes, or drop the whole form. (No form here
    takes files, so a multipart body must be UTF-8 text throughout too.)"""
    if request.method != "POST":
        return
    this = request._get_current_object()  # (one lookup of the request, not six)
    raw = this.get_data(cache=True)  # cached, so request.form still parses it
    limit = this.max_content_length
    streamed = this.content_length is None  # chunked: werkzeug cuts it at the limit
    if streamed and limit is not None and len(raw) >= limit and _more_after(this):
        abort(413)
    mimetype = this.mimetype
    if mimetype not in _FORMS:
        if raw:
            abort(415, description="Send this as a form from the site's own pages.")
        return
    multipart = mimetype == "multipart/form-data"
    if multipart and _OTHER_CHARSET.search(raw):
        abort(400, description=NOT_UTF8)
    if raw.isascii() and not _HIGH_ESCAPE.search(raw):
        return  # only ASCII, even once %-escapes are undone: the common case, checked fast
    if not multipart and not raw.isascii():
        abort(400, description=NOT_UTF8)  # browsers %-escape every byte past ASCII
    try:
        (raw if multipart else unquote_to_bytes(raw)).decode("utf-8")
    except UnicodeDecodeError:
        abort(400, description=NOT_UTF8)


def _more_after(request) -> bool:
    """Did the client send more than werkzeug let us read?"""
    return bool(request.environ["wsgi.input"].read(1))


def register(app: Flask) -> None:
    """The request checks: first, so that they run before Flask-WTF reads a form."""
    if app.config["SITE_HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
    app.before_request(origin.refuse_cross_origin)
    app.before_request(allow_long_forms)
    app.before_request(reject_malformed_forms)


def wrap(app: Flask) -> None:
    """The outermost middleware: call after everything else that wraps `wsgi_app`."""
    app.wsgi_app = SecurityHeaders(
        app.wsgi_app, app.config["SITE_HTTPS"], app.config["TRUSTED_HOSTS"]
    )
    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        # The proxy's X-Forwarded-Host is checked like a Host header; no prefix is taken
        # from a header: the site's own address gives its path.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
