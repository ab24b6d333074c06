"""Default settings and the secret key that is generated once per instance."""

import hashlib
import os
import secrets
from pathlib import Path

DEFAULTS = {
    "SITE_NAME": "Porchlight Notes",
    # Who is granted permission to publish; shown on the copyright line and disclaimer.
    "SITE_PUBLISHER": "Porchlight Notes",
    "SITE_TAGLINE": "Plain-spoken writing about everyday emotional life.",
    "ARTICLES_PER_PAGE": 10,
    "COMMENTS_PER_PAGE": 50,
    "TIMEZONE": "UTC",
    "COOKIE_CONSENT_NAME": "cookie_consent",
    "COOKIE_CONSENT_MAX_AGE": 400 * 24 * 3600,  # browsers cap cookies at 400 days
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": 6 * 3600,
    # Served over HTTPS: cookies get the Secure flag and HSTS is sent.
    "SITE_HTTPS": False,
    # Number of trusted proxies in front of the app (X-Forwarded-For/-Proto/-Host).
    "PROXY_COUNT": 0,
    # Anti-spam and moderation.
    "COMMENT_HONEYPOT_FIELD": "homepage",
    "COMMENT_MIN_FILL_SECONDS": 3,
    "COMMENT_FLOOD_SECONDS": 15,
    "COMMENT_MAX_LINKS": 2,
    "COMMENT_MODERATION": "first-time",  # none, first-time or all
    "COMMENT_MODERATION_WORDS": [],
    "COMMENT_BLOCK_WORDS": [],
    "OWN_COMMENTS_COOKIE": "my_comments",
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_WINDOW_SECONDS": 15 * 60,
    # Rendered comment pages kept in each worker's memory (bounded, least recently used).
    "COMMENT_HTML_CACHE_BYTES": 8 * 1024 * 1024,
    # Articles kept in each worker's memory between views (checked against the database).
    "ARTICLE_SNAPSHOTS": 256,
}

# Settings that change what a page looks like; a change to any of them changes every ETag.
PAGE_SETTINGS = (
    "SITE_NAME",
    "SITE_PUBLISHER",
    "SITE_TAGLINE",
    "COMMENTS_PER_PAGE",
    "TIMEZONE",
    "COMMENT_HONEYPOT_FIELD",
)

SECRET_KEY_FILE = "secret_key"


def load_or_create_secret_key(instance_path: str) -> str:
    """Return the instance's secret key, creating it (mode 600) on first run."""
    path = Path(instance_path) / SECRET_KEY_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    try:
        # O_EXCL: if two workers start at once, only one writes; the other reads it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def page_salt(config) -> str:
    """A short hash of what shapes pages besides the data: settings, templates and code.

    Deploying new templates or code, or changing a setting, changes every ETag; every
    worker computes the same value, so revalidation works whichever worker answers.
    """
    root = Path(__file__).resolve().parent.parent
    files = [*root.joinpath("templates").rglob("*.html"), *root.joinpath("blog").glob("*.py")]
    newest = max((f.stat().st_mtime_ns for f in files), default=0)
    shown = repr([config.get(name) for name in PAGE_SETTINGS]) + str(newest)
    return hashlib.blake2b(shown.encode(), digest_size=6).hexdigest()
