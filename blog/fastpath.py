"""The hottest requests answered before Flask: revalidations and cached article pages.

A reader's copy of an article page depends on the article's revision (bumped on every
change a reader could see), the comment page asked for, whether it is an htmx fragment,
and the reader's cookies (session, own held comments, cookie notice). All of these can be
read without building a Flask request, so this middleware answers
- a conditional GET of an unchanged article page or comment fragment with 304, and
- a returning reader's plain view of an article page whose HTML is cached with that page,
  this reader's form tokens put in (see page_cache.article_page).
Anything else, or anything it is unsure of, goes to Flask, which computes the same ETag.
"""

import hashlib
import re
from urllib.parse import parse_qs

from flask import Flask
from sqlalchemy import String, bindparam, select
from werkzeug.http import parse_cookie

from .antispam import started_token
from .consent import dismissed
from .extensions import db
from .hot_sql import Link, Prepared, borrowed
from .models import Article
from .sessions import csrf_field, csrf_secret, new_raw_csrf_token, signed_csrf_token

_PAGE = re.compile(r"/articles/([^/]+?)(/comments)?")


def article_etag(config, version: tuple, after, fragment: bool, cookies) -> str:
    """The ETag of an article page or comment fragment, from raw inputs."""
    parts = (
        config["PAGE_SALT"],
        version,
        after,
        fragment,
        dismissed(config, cookies),
        cookies.get(config["OWN_COMMENTS_COOKIE"], ""),
        # The page holds a CSRF token bound to the session; a fragment holds none.
        "" if fragment else cookies.get(config["SESSION_COOKIE_NAME"], ""),
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def page_key(version: tuple, after, consent: bool, query_string: bytes) -> tuple:
    """The key of a cached article page. The query string is part of the page: the cookie
    notice sends its reader back to the address they were on."""
    return ("page", version, after, consent, query_string)


def parse_after(value: str | None) -> int | None:
    """As `request.args.get("after", type=int)` reads it."""
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def current_revision(engine, slug: str, link: Link | None = None) -> tuple | None:
    """A published article's version, (id, revision, changed_at), by one indexed lookup
    (on `link`, else on a connection borrowed from the pool). `changed_at` keeps versions
    apart even if a database is replaced by one whose ids and revisions repeat (a restored
    backup, a test's fresh tables)."""
    if link is not None:
        return _REVISION.first(link, slug=slug)
    with borrowed(engine) as link:
        return _REVISION.first(link, slug=slug)


_REVISION = Prepared(
    select(Article.id, Article.revision, Article.changed_at).where(
        Article.slug == bindparam("slug", type_=String()), Article.is_published.is_(True)
    )
)


class ArticleFastPath:
    """WSGI middleware in front of Flask; see the module's docstring."""

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app = wsgi_app
        self.app = app
        self.engine = None

    def __call__(self, environ, start_response):
        page = None
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            page = _PAGE.fullmatch(environ.get("PATH_INFO", ""))
        if page:
            answer = self._answer(environ, page)
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ, page):
        if self.engine is None:
            with self.app.app_context():
                self.engine = db.engine
        slug = page.group(1)
        found = current_revision(self.engine, slug)
        environ["blog.article_revision"] = (slug, found)  # Flask reuses it: one lookup
        if found is None:
            return None
        config = self.app.config
        cookies = parse_cookie(environ)  # as request.cookies reads them
        is_comments = bool(page.group(2))
        is_fragment = is_comments and (
            environ.get("HTTP_HX_REQUEST") == "true"
            and environ.get("HTTP_HX_HISTORY_RESTORE_REQUEST") != "true"
        )
        query = parse_qs(environ.get("QUERY_STRING", ""))
        # The article view ignores `after`; only the comment pages use it.
        after = parse_after(query["after"][0]) if is_comments and "after" in query else None
        has_session = config["SESSION_COOKIE_NAME"] in cookies
        if not (is_fragment or has_session):
            return self._first_visit(environ, page, found, cookies)
        etag = article_etag(config, found, after, is_fragment, cookies)
        if f'"{etag}"' in environ.get("HTTP_IF_NONE_MATCH", ""):
            return "304 NOT MODIFIED", not_modified_headers(etag), b""
        personal = cookies.get(config["OWN_COMMENTS_COOKIE"])
        if (
            is_comments
            or personal
            or environ.get("QUERY_STRING")
            or environ["REQUEST_METHOD"] != "GET"
        ):
            return None
        return self._cached_page(found, cookies, etag)

    def _first_visit(self, environ, page, found, cookies):
        """A reader without a session: start one, as Flask would, and serve the cached page."""
        if page.group(2) or environ.get("QUERY_STRING") or environ["REQUEST_METHOD"] != "GET":
            return None
        if cookies.get(self.app.config["OWN_COMMENTS_COOKIE"]):
            return None
        value, set_cookie = self.app.session_interface.issue(
            self.app, {csrf_field(self.app.config): new_raw_csrf_token()}
        )
        cookies = {**cookies, self.app.config["SESSION_COOKIE_NAME"]: value}
        etag = article_etag(self.app.config, found, None, False, cookies)
        answer = self._cached_page(found, cookies, etag)
        if answer is not None:
            answer[1].append(("Set-Cookie", set_cookie))
        return answer

    def _cached_page(self, found, cookies, etag):
        config = self.app.config
        cache = self.app.extensions.get("comment_html_cache")
        # Only a plain view (no query string) gets here.
        cached = cache and cache.get(page_key(found, None, dismissed(config, cookies), b""))
        session_data = self.app.session_interface.remembered(cookies[config["SESSION_COOKIE_NAME"]])
        raw_token = session_data and session_data.get(csrf_field(config))
        if not cached or not raw_token:
            return None
        shell, last_modified = cached
        from .page_cache import fill_slots

        html = fill_slots(
            shell,
            signed_csrf_token(csrf_secret(config), raw_token),
            started_token(config["SECRET_KEY"], found[0]),
        )
        body = html.encode()
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Last-Modified", last_modified),
            *not_modified_headers(etag),
        ]
        return "200 OK", headers, body


def not_modified_headers(etag: str) -> list[tuple[str, str]]:
    return [
        ("ETag", f'"{etag}"'),
        ("Cache-Control", "private, no-cache"),
        ("Vary", "HX-Request, Cookie"),
    ]
