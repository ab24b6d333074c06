"""Session and form-token work done once per reader, not on every page view.

Verifying the signed session cookie and signing a fresh CSRF token cost more than
the rest of a cached article view together. Both results are remembered briefly, keyed by
exactly the strings that were verified or signed, so nothing is ever trusted unverified.
"""

import hashlib
import os
import time

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer
from werkzeug.http import dump_cookie

from .lru import LRU

MEMO_SIZE = 4096
TOKEN_REUSE_SECONDS = 300  # far below WTF_CSRF_TIME_LIMIT: a reused token stays valid


class RememberingSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a cookie string verified before is not re-verified."""

    def __init__(self):
        self.verified = LRU(MEMO_SIZE)

    def remembered(self, value: str) -> dict | None:
        """The data of a session cookie verified before (and not yet due again), if any."""
        known = self.verified.get(value)
        return known[0] if known is not None and time.time() < known[1] else None

    def issue(self, app: Flask, data: dict) -> tuple[str, str]:
        """A new session cookie, signed as save_session would sign it: (value, Set-Cookie)."""
        value = self.get_signing_serializer(app).dumps(data)
        header = dump_cookie(
            self.get_cookie_name(app),
            value,
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            httponly=self.get_cookie_httponly(app),
            samesite=self.get_cookie_samesite(app),
            partitioned=self.get_cookie_partitioned(app),
        )
        lifetime = app.permanent_session_lifetime.total_seconds()
        self.verified.put(value, (dict(data), time.time() + min(lifetime / 2, 3600)))
        return value, header

    def open_session(self, app: Flask, request):
        value = request.cookies.get(self.get_cookie_name(app))
        known = self.remembered(value) if value else None
        if known is not None:
            return self.session_class(dict(known))
        opened = super().open_session(app, request)
        if value and opened is not None and opened:  # verified and not empty
            lifetime = app.permanent_session_lifetime.total_seconds()
            # Re-verify well before the signature could expire.
            self.verified.put(value, (dict(opened), time.time() + min(lifetime / 2, 3600)))
        return opened


_signed_tokens = LRU(MEMO_SIZE)


def new_raw_csrf_token() -> str:
    """A session's raw token, made the way Flask-WTF makes it."""
    return hashlib.sha1(os.urandom(64)).hexdigest()


def signed_csrf_token(secret: str, raw: str) -> str:
    """Flask-WTF's signed form of a session's token, re-signed at most every few minutes."""
    known = _signed_tokens.get(raw)
    if known is None or time.time() > known[1]:
        signed = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
        known = (signed, time.time() + TOKEN_REUSE_SECONDS)
        _signed_tokens.put(raw, known)
    return known[0]


def csrf_field(config) -> str:
    """Where Flask-WTF keeps a session's raw token (and names the form field)."""
    return config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def csrf_secret(config) -> str:
    """The key Flask-WTF signs form tokens with."""
    return config.get("WTF_CSRF_SECRET_KEY") or config["SECRET_KEY"]


def page_csrf_token() -> str:
    """The form token for this request, as Flask-WTF would make it, but cheaper.

    Flask-WTF keeps the signed token of the request in `g`; setting it there first makes
    its forms and `csrf_token()` use ours.
    """
    field = csrf_field(current_app.config)
    raw = session.get(field)
    if not raw or field in g:
        return generate_csrf()
    token = signed_csrf_token(csrf_secret(current_app.config), raw)
    setattr(g, field, token)
    return token
