"""Public pages: the same for every reader, rendered once per version, served to all.

A public page depends only on what it shows (an article's version, or the versions of the
articles a home page lists), its address, whether htmx asked for a fragment, and whether
the cookie notice was dismissed. Those make its cache key and its ETag. The one value that
changes per view, the comment form's signed start time (the time trap), is put in as the
page is sent; it is in neither key nor tag, which is why the tag is weak.

`EarlyAnswers` answers a conditional GET of an unchanged article page with 304, and a
plain view of a cached one with that page, before Flask. Anything else (a reader's own
comments cookie, a host or script root we do not serve, a page not in the cache yet) goes
on to Flask, whose views call `shared_page` with the same key.
"""

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from flask import Flask, Response, current_app, request
from sqlalchemy import String, bindparam, select
from sqlalchemy.orm import aliased
from werkzeug.http import parse_cookie

from ..models import PUBLISHED, SLUG, ArchiveEdition, Article, visible
from ..web.cookies import dismissed
from ..web.htmx import wants_fragment
from ..web.params import MAX_ID
from .hot_sql import KeptLinks, Prepared, for_request
from .lru import LRU

# Browsers and shared caches keep a copy but ask before each use (a 304 is cheap); shared
# caches may answer from it for one second, which is what the nginx micro-cache uses.
PUBLIC = "public, max-age=0, s-maxage=1, must-revalidate"
VARY = "HX-Request, HX-History-Restore-Request, Cookie"
# Where the form's start time goes: NUL is stripped from everything a reader or the owner
# writes, and the random part is never sent, so only our template can make one.
STAMP_SLOT = f"\x00stamp-{secrets.token_hex(8)}\x00"
_ARTICLE_PAGE = re.compile(r"/articles/([a-z0-9-]+)(?:/comments)?")
# An open page asking for new comments: "since" the article's revision it shows.
_POLL = re.compile(r"/articles/([a-z0-9-]+)/comments/new")
_NUMBER = r"(0|[1-9][0-9]{0,9})"  # as Flask reads them: no leading zeros
_POLL_QUERY = re.compile(rf"since={_NUMBER}&after={_NUMBER}&first={_NUMBER}")


class Version(NamedTuple):
    """An article as readers see it changes exactly when this does. `changed_at` keeps
    versions apart when a database is replaced by one whose ids and revisions repeat;
    `archive` (models.ArchiveEdition) and `newest`, the newest article readers see (a
    scheduled one appears by time alone), change whenever its previous/next links may."""

    id: int
    revision: int
    changed_at: datetime
    archive: int | None = None
    newest: int | None = None


_newest = aliased(Article)
_VERSION = Prepared(
    select(
        Article.id,
        Article.revision,
        Article.changed_at,
        select(ArchiveEdition.stamp).scalar_subquery(),
        select(_newest.id)
        .where(visible(_newest))
        .order_by(_newest.published_at.desc(), _newest.id.desc())
        .limit(1)
        .scalar_subquery(),
    ).where(Article.slug == bindparam("slug", type_=String()), PUBLISHED)
)


def request_version(slug: str) -> Version | None:
    """The published article's version: the early lookup's if it made one, else one query."""
    looked_up = request.environ.get("blog.version")
    if looked_up is not None and looked_up[0] == slug:
        return looked_up[1]
    if not SLUG.match(slug):
        return None
    found = _VERSION.first(for_request(), slug=slug)
    return Version(*found) if found else None


def page_key(environ, cookies, shown) -> tuple:
    return (
        shown,
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        wants_fragment(environ),
        dismissed(cookies),
    )


def _etag(salt: str, key: tuple) -> str:
    digest = hashlib.blake2b(repr((salt, key)).encode(), digest_size=12).hexdigest()
    return f'W/"{digest}"'


def _is_current(environ, etag: str) -> bool:
    return etag[2:] in environ.get("HTTP_IF_NONE_MATCH", "")  # matches W/"x" and "x"


def public_headers(etag: str) -> list[tuple[str, str]]:
    return [("ETag", etag), ("Cache-Control", PUBLIC), ("Vary", VARY)]


def fill(parts: tuple[bytes, ...], stamp: str) -> bytes:
    return stamp.encode().join(parts)  # at most two parts: see shared_parts


def shared_parts(key: tuple, render: Callable[[], str]) -> tuple[bytes, ...]:
    """The page for `key`, rendered once per worker while it stays cached, cut at its slot
    and encoded, ready to send."""
    # Under another script root its links carry a prefix this site does not have: not kept.
    cache = current_app.extensions["shared_pages"] if _usual_script_root() else None
    parts = cache.get(key) if cache is not None else None
    if parts is None:
        html = render()
        parts = tuple(part.encode() for part in html.split(STAMP_SLOT))
        if len(parts) > 2:  # cannot happen; if it did, fill nothing (the form asks to resend)
            return (html.replace(STAMP_SLOT, "").encode(),)
        if cache is not None:
            cache.put(key, parts, sum(map(len, parts)))
    return parts


def _usual_script_root() -> bool:
    return request.script_root == current_app.config["SCRIPT_ROOT"]


def shared_page(shown, render: Callable[[], str], stamp: str = "") -> Response:
    """A public page: 304 when the reader's copy is current, else the page from the cache."""
    if not _usual_script_root():
        # Links in it would carry a prefix this site does not have: for this request only.
        private = {"Cache-Control": "private, no-store"}
        return Response(render().replace(STAMP_SLOT, stamp), headers=private, mimetype="text/html")
    key = page_key(request.environ, request.cookies, shown)
    etag = _etag(current_app.config["PAGE_SALT"], key)
    if _is_current(request.environ, etag):
        return Response(status=304, headers=public_headers(etag))
    body = fill(shared_parts(key, render), stamp)
    return Response(body, headers=public_headers(etag), mimetype="text/html")


class EarlyAnswers:
    """WSGI middleware in front of Flask; see the module's docstring."""

    def __init__(self, wsgi_app, app: Flask, stamp: Callable[[str, int], str]):
        self.wsgi_app, self.app, self.stamp = wsgi_app, app, stamp
        self.cache = app.extensions["shared_pages"]
        self.links: KeptLinks = app.extensions["hot_sql_links"]

    def lookup(self, slug: str) -> Version | None:
        """The version, on one of the hot paths' connections; after an error the one used
        is closed, and Flask answers instead."""
        link = self.links.take()
        try:
            found = _VERSION.first(link, slug=slug)
        except Exception:
            self.links.give_back(link, failed=True)
            raise
        self.links.give_back(link)
        return Version(*found) if found else None

    def __call__(self, environ, start_response):
        answer = self.answer(environ)
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body if environ["REQUEST_METHOD"] == "GET" else b""]

    def answer(self, environ):
        config = self.app.config
        poll = _POLL.fullmatch(environ.get("PATH_INFO", ""))
        if poll is not None:
            return self.answer_poll(environ, poll.group(1))
        page = _ARTICLE_PAGE.fullmatch(environ.get("PATH_INFO", ""))
        if (
            page is None
            or environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
            or environ.get("SCRIPT_NAME", "") != config["SCRIPT_ROOT"]
        ):
            return None
        cookies = parse_cookie(environ)
        if config["OWN_COMMENTS_COOKIE"] in cookies:
            return None  # Flask checks whether this reader has comments of their own here
        try:
            version = self.lookup(page.group(1))
        except Exception:
            return None  # Flask will try, and answer properly either way
        environ["blog.version"] = (page.group(1), version)  # Flask reuses it: one lookup
        if version is None:
            return None
        key = page_key(environ, cookies, version)
        etag = _etag(config["PAGE_SALT"], key)
        if _is_current(environ, etag):
            return "304 Not Modified", public_headers(etag), b""
        parts = self.cache.get(key)
        if parts is None:
            return None
        body = fill(parts, self.stamp(config["SECRET_KEY"], version.id))
        headers = [("Content-Type", "text/html; charset=utf-8"), *public_headers(etag)]
        return "200 OK", [*headers, ("Content-Length", str(len(body)))], body

    def answer_poll(self, environ, slug: str):
        """Nothing new since the revision the page shows: 204, after one indexed lookup."""
        query = _POLL_QUERY.fullmatch(environ.get("QUERY_STRING", ""))
        if query is None or environ.get("REQUEST_METHOD") != "GET":
            return None
        if max(map(int, query.groups())) > MAX_ID:
            return None  # Flask says 404
        try:
            version = self.lookup(slug)
        except Exception:
            return None
        environ["blog.version"] = (slug, version)  # Flask reuses it: one lookup
        if version is None or version.revision != int(query.group(1)):
            return None
        return "204 No Content", [("Cache-Control", "no-cache")], b""


def install(app: Flask, stamp: Callable[[str, int], str]) -> None:
    """Give the app its page cache and put `EarlyAnswers` in front of it. `stamp(secret,
    article_id)` makes the form's start time."""
    app.extensions["shared_pages"] = LRU(app.config["PAGE_CACHE_BYTES"])
    app.extensions["hot_sql_links"] = KeptLinks(app)
    app.wsgi_app = EarlyAnswers(app.wsgi_app, app, stamp)
