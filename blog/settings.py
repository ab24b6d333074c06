"""Default settings and the secret key that is generated once per instance."""

import hashlib
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from .web.origin import origin_of

DEFAULTS = {
    # The site's own address: every absolute URL is built from it, never from a request.
    "SITE_URL": "http://127.0.0.1:5000",
    # Other host names this site answers to (SITE_URL's host always); any other gets 400.
    "TRUSTED_HOSTS": [],
    # Other origins whose pages may post to this site's forms (see web/origin.py).
    "TRUSTED_ORIGINS": [],
    "SITE_NAME": "Porchlight Notes",
    # Who is granted permission to publish; shown on the copyright line and disclaimer.
    "SITE_PUBLISHER": "Porchlight Notes",
    "SITE_TAGLINE": "Plain-spoken writing about everyday emotional life.",
    "ARTICLES_PER_PAGE": 10,
    # Top-level comments (each with its replies) on one page of an article.
    "COMMENTS_PER_PAGE": 50,
    # Levels of replies shown nested (at least 2); deeper replies are shown at the last.
    "COMMENT_MAX_DEPTH": 3,
    # How long a commenter may edit or delete their comment, from the browser that posted it.
    "COMMENT_EDIT_MINUTES": 15,
    # The name on the owner's replies from the moderation queue (default: the article's author).
    "OWNER_NAME": "",
    # How often an open article page asks for new comments; 0 turns it off.
    "COMMENT_POLL_SECONDS": 30,
    "TIMEZONE": "UTC",
    "COOKIE_CONSENT_MAX_AGE": 400 * 24 * 3600,  # browsers cap cookies at 400 days
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # The owner's article editor: 200,000 characters, %-escaped, fit.
    "LONG_FORM_BYTES": 3 * 1024 * 1024,
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
    # The largest file `flask import-wordpress` / `import-disqus` reads.
    "IMPORT_MAX_BYTES": 64 * 1024 * 1024,
    # `flask backup` keeps this many backups, deleting older ones.
    "BACKUP_KEEP": 10,
    # How long a write waits for another's lock (then: a 503 that asks to try again).
    "DATABASE_BUSY_SECONDS": 5,
    # A signed-in admin is signed out after this many hours without an admin request.
    "ADMIN_SESSION_HOURS": 12,
    # Rendered public pages kept in each worker's memory (bounded, least recently used).
    "PAGE_CACHE_BYTES": 16 * 1024 * 1024,
    # Articles kept in each worker's memory between views (checked against the database).
    "ARTICLE_SNAPSHOTS": 256,
    # Email, with Flask-Mailman's setting names. "console" prints each message in the
    # terminal; set "smtp" and the MAIL_SERVER settings to deliver them.
    "MAIL_BACKEND": "console",
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_TIMEOUT": 30,
    # The From address (default: the site's name at no-reply@ the site's host).
    "MAIL_DEFAULT_SENDER": "",
    # Who is told of held comments (and gets readers' answers to notifications); empty: no one.
    "OWNER_EMAIL": "",
    # Who sends the outbox: "thread" (a thread in each web process) or "worker" (only
    # `flask send-mail --forever`, run as its own service).
    "MAIL_SENDER": "thread",
    # How often a sender looks for due messages and digests when nothing woke it.
    "MAIL_POLL_SECONDS": 5,
    # At most one email per follower of an article in this many minutes.
    "MAIL_DIGEST_MINUTES": 60,
    # Held comments reach OWNER_EMAIL one per email (0), or in digests every N minutes.
    "MAIL_OWNER_DIGEST_MINUTES": 0,
    # Messages sent, failed or dropped are deleted after this many days.
    "MAIL_KEEP_DAYS": 30,
    # Requests for email (a ticked box, a follow) heard from one client in an hour; more
    # are ignored, so no one can use the forms to mail strangers.
    "MAIL_CONFIRMATIONS_PER_HOUR": 5,
}

# Settings that change what a page looks like; a change to any of them changes every ETag.
PAGE_SETTINGS = (
    "SITE_URL",
    "SITE_NAME",
    "SITE_PUBLISHER",
    "SITE_TAGLINE",
    "COMMENTS_PER_PAGE",
    "COMMENT_MAX_DEPTH",
    "COMMENT_POLL_SECONDS",
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


def page_salt(config, template_folder: Path, static_folder: Path) -> str:
    """A short hash of what shapes pages besides the data: settings, templates, code and
    the static files they link (by a hash of each file).

    Deploying any of those, or changing a setting, changes every ETag. It hashes contents,
    not file times, so every worker and machine computes the same value.
    """
    package = Path(__file__).resolve().parent
    files = [*template_folder.rglob("*.html"), *package.rglob("*.py"), *static_folder.rglob("*")]
    files = sorted(f for f in files if f.is_file())
    digest = hashlib.blake2b(repr([config.get(name) for name in PAGE_SETTINGS]).encode())
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def as_list(value) -> list[str]:
    """A list setting, also when an environment variable gave it comma separated."""
    if isinstance(value, str):
        value = value.split(",")
    return [item.strip() for item in value or [] if item and item.strip()]


def engine_options(config) -> dict:
    """How long a write waits for another's lock before giving up (and the request gets a
    503 asking to retry): SQLite's busy timeout, PostgreSQL's lock_timeout."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    wait = float(config["DATABASE_BUSY_SECONDS"])
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        connect = {"timeout": wait}
    elif uri.startswith("postgresql"):
        connect = {"options": f"-c lock_timeout={int(wait * 1000)}"}
    else:
        return options
    options["connect_args"] = {**connect, **options.get("connect_args", {})}
    if uri.startswith("sqlite") and _default_pool(uri, options) is QueuePool:
        # The connection given back last is taken next: its caches (SQLite's pages, the
        # driver's statements) are warm. First-in-first-out took turns between the
        # request's connection and the mail sender's, each finding the other's writes.
        # (PostgreSQL keeps SQLAlchemy's default: a connection idle at the bottom of a
        # last-in-first-out pool would want a ping before use.)
        options.setdefault("pool_use_lifo", True)
    return options


def _default_pool(uri: str, options: dict) -> type | None:
    """The pool SQLAlchemy will use, unless the settings chose one (only a QueuePool
    takes pool_use_lifo: a file database; in memory it is one connection per thread)."""
    if "poolclass" in options or "pool" in options:
        return None
    url = make_url(uri)
    return url.get_dialect().get_pool_class(url)


def derive(config, template_folder: Path, static_folder: Path) -> None:
    """Settings computed once from the others."""
    site = urlsplit(config["SITE_URL"])
    if site.scheme not in ("http", "https") or not site.hostname:
        raise ValueError(f"SITE_URL must be an http(s) address, got {config['SITE_URL']!r}")
    # Browsers send host names in lower case and international ones in punycode.
    hosts = [site.hostname, *as_list(config["TRUSTED_HOSTS"])]
    config["TRUSTED_HOSTS"] = [h.lower().encode("idna").decode("ascii") for h in hosts]
    config["SCRIPT_ROOT"] = site.path.rstrip("/")
    config["SITE_ORIGIN"] = origin_of(config["SITE_URL"])
    config["TRUSTED_ORIGIN_SET"] = frozenset(map(origin_of, as_list(config["TRUSTED_ORIGINS"])))
    config["PAGE_SALT"] = page_salt(config, template_folder, static_folder)
    config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(config)
