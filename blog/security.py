"""Security headers, proxy awareness and request checks applied to every request."""

from urllib.parse import unquote_to_bytes

from flask import Flask, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .fastpath import ArticleFastPath

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


class SecurityHeaders:
    """WSGI middleware: the same headers on every response, 304s answered early included."""

    def __init__(self, wsgi_app, https: bool):
        self.wsgi_app = wsgi_app
        self.headers = [*HEADERS, HSTS] if https else HEADERS

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers.extend(h for h in self.headers if h[0].lower() not in present)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def reject_malformed_forms() -> None:
    """Form bodies must be valid UTF-8; werkzeug would silently replace bad bytes."""
    if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return
    raw = request.get_data(cache=True)  # cached, so request.form still parses it
    try:
        unquote_to_bytes(raw).decode("utf-8")  # every name and value, %-escapes undone
    except UnicodeDecodeError:
        abort(400, description="What you sent was not valid UTF-8 text. Please try again.")


def register(app: Flask) -> None:
    if app.config["SITE_HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
    app.wsgi_app = SecurityHeaders(ArticleFastPath(app.wsgi_app, app), app.config["SITE_HTTPS"])
    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )
    app.before_request(reject_malformed_forms)
