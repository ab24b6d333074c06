"""Cheap revalidation: ETags from raw request inputs, and 304s answered before Flask.

A reader's copy of an article page depends on the article's revision (bumped on every
change a reader could see), the comment page asked for, whether it is an htmx fragment,
and the reader's cookies (session, own held comments, cookie notice). All of these can be
read without building a Flask request, so a matching If-None-Match is answered here.
"""

import hashlib
import re
from urllib.parse import parse_qs

from flask import Flask
from sqlalchemy import bindparam, select
from werkzeug.http import parse_cookie

from .extensions import db
from .models import Article

_PAGE = re.compile(r"/articles/([^/]+?)(/comments)?")
_compiled: dict[str, tuple[str, list[str] | None]] = {}


def article_etag(config, article_id, revision, after, fragment: bool, cookies) -> str:
    """The ETag of an article page or comment fragment, from raw inputs."""
    parts = (
        config["PAGE_SALT"],
        article_id,
        revision,
        after,
        fragment,
        cookies.get(config["COOKIE_CONSENT_NAME"]) == "1",
        cookies.get(config["OWN_COMMENTS_COOKIE"], ""),
        # The page holds a CSRF token bound to the session; a fragment holds none.
        "" if fragment else cookies.get(config["SESSION_COOKIE_NAME"], ""),
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def parse_after(value: str | None) -> int | None:
    """As `request.args.get("after", type=int)` reads it."""
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def current_revision(engine, slug: str) -> tuple[int, int] | None:
    """(id, revision) of a published article: one indexed lookup on a raw connection."""
    statement, names = _revision_lookup(engine)
    params = {"slug": slug}
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(statement, [params[n] for n in names] if names else params)
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()
    return tuple(row) if row else None


def _revision_lookup(engine) -> tuple[str, list[str] | None]:
    """The lookup, compiled once for this database's driver (qmark or pyformat)."""
    found = _compiled.get(engine.dialect.name)
    if found is None:
        statement = select(Article.id, Article.revision).where(
            Article.slug == bindparam("slug"), Article.is_published.is_(True)
        )
        compiled = statement.compile(dialect=engine.dialect)
        names = list(compiled.positiontup) if compiled.positional else None
        found = _compiled[engine.dialect.name] = (str(compiled), names)
    return found


class ConditionalGets:
    """WSGI middleware: 304 for an unchanged article page without entering Flask."""

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app = wsgi_app
        self.app = app
        self.engine = None

    def __call__(self, environ, start_response):
        tags = environ.get("HTTP_IF_NONE_MATCH")
        if tags and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            page = _PAGE.fullmatch(environ.get("PATH_INFO", ""))
            etag = page and self._etag(environ, page)
            if etag and f'"{etag}"' in tags:
                start_response("304 NOT MODIFIED", not_modified_headers(etag))
                return [b""]
        return self.wsgi_app(environ, start_response)

    def _etag(self, environ, page) -> str | None:
        if self.engine is None:
            with self.app.app_context():
                self.engine = db.engine
        found = current_revision(self.engine, page.group(1))
        if found is None:
            return None
        cookies = parse_cookie(environ)  # as request.cookies reads them
        is_comments = bool(page.group(2))
        is_fragment = is_comments and (
            environ.get("HTTP_HX_REQUEST") == "true"
            and environ.get("HTTP_HX_HISTORY_RESTORE_REQUEST") != "true"
        )
        query = parse_qs(environ.get("QUERY_STRING", ""))
        # The article view ignores `after`; only the comment pages use it.
        after = parse_after(query["after"][0]) if is_comments and "after" in query else None
        return article_etag(self.app.config, *found, after, is_fragment, cookies)


def not_modified_headers(etag: str) -> list[tuple[str, str]]:
    return [
        ("ETag", f'"{etag}"'),
        ("Cache-Control", "private, no-cache"),
        ("Vary", "HX-Request, Cookie"),
    ]
