"""Signed links in emails: whoever holds one may do what it names, without signing in.

itsdangerous (Flask's own signer) signs a small payload with the site's secret key and a
salt per purpose, so a link made for one purpose never passes for another, and an edited
link fails its signature.
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

CONFIRM = "mail-confirm"
UNSUBSCRIBE = "mail-unsubscribe"
MODERATE = "mail-moderate"

# Confirmation and moderation links are valid for 7 days; unsubscribe links never expire.
MAX_AGE = {CONFIRM: 7 * 24 * 3600, MODERATE: 7 * 24 * 3600, UNSUBSCRIBE: None}


class BadLink(Exception):
    """A link that was edited, forged, or made for something else."""


class ExpiredLink(Exception):
    """A genuine link past its time."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def make(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str) -> dict:
    """The payload of a token made by `make` for `purpose`, if it is still valid."""
    try:
        payload = _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
    except SignatureExpired:  # a subclass of BadSignature: first
        raise ExpiredLink from None
    except BadSignature:
        raise BadLink from None
    if not isinstance(payload, dict):
        raise BadLink
    return payload


def used_key(token: str) -> str:
    """What the database keeps of a single-use link once used: its hash, not the link."""
    return hashlib.sha256(token.encode()).hexdigest()
