"""Comment HTML rendered once per article version, and ETags for the pages built from it.

Both are keyed by the article's version (id, revision, changed_at), which every worker
reads from the database, so a change made through any worker is seen by all at once.
"""

from datetime import UTC

from flask import Response, current_app, render_template, request
from markupsafe import Markup
from werkzeug.http import http_date

from . import fastpath, hot_sql, queries
from .antispam import form_started_token
from .consent import dismissed
from .extensions import db
from .lru import LRU
from .models import Article
from .sessions import page_csrf_token


def current_article(slug: str) -> Article | None:
    """The published article, from this worker's memory while the database says it is current.

    One indexed lookup of the version on a raw connection replaces loading the whole
    row through the ORM on every view. The object is detached: for reading only.
    """
    looked_up = request.environ.get("blog.article_revision")
    if looked_up is not None and looked_up[0] == slug:
        found = looked_up[1]  # the fast path already asked the database
    else:
        found = fastpath.current_revision(db.engine, slug, hot_sql.for_request())
    if found is None:
        return None
    articles = current_app.extensions.setdefault(
        "article_snapshots", LRU(current_app.config["ARTICLE_SNAPSHOTS"])
    )
    cached = articles.get(slug)
    if cached is not None and cached.version == found:
        return cached
    article = queries.published_article_or_none(slug)
    if article is not None:
        db.session.expunge(article)
        article.version = found  # the key of everything cached for this article
        articles.put(slug, article)
    return article


def _cache() -> LRU:
    """Rendered HTML, bounded by its total length."""
    return current_app.extensions.setdefault(
        "comment_html_cache", LRU(current_app.config["COMMENT_HTML_CACHE_BYTES"])
    )


def comment_items(article: Article, after: int | None, own_ids: list[int]):
    """The `<li>` items of one comment page, and the key of the next page."""
    size = current_app.config["COMMENTS_PER_PAGE"]
    version = getattr(article, "version", None)  # set on snapshots only
    key = (version, after, size)
    if not own_ids and version:  # a reader's own held comments are theirs alone: never cached
        cached = _cache().get(key)
        if cached is not None:
            return cached
    comments, next_after = queries.comment_page(article.id, after, size, own_ids)
    html = Markup(render_template("comments/_items.html", article=article, comments=comments))
    if not own_ids and version:
        _cache().put(key, (html, next_after), len(html))
    return html, next_after


# Stand-ins for the per-reader tokens in a cached page; NUL never occurs in our HTML.
CSRF_SLOT = "\x00csrf\x00"
STARTED_SLOT = "\x00started\x00"


def punch_slots(html: str, csrf: str | None, started: str | None = None) -> str:
    """Rendered HTML made shareable: this reader's tokens become stand-ins."""
    if csrf:
        html = html.replace(csrf, CSRF_SLOT)
    return html.replace(started, STARTED_SLOT) if started else html


def fill_slots(shell: str, csrf: str | None, started: str | None = None) -> str:
    """A shared page made this reader's: the stand-ins become their tokens."""
    if csrf:
        shell = shell.replace(CSRF_SLOT, csrf)
    return shell.replace(STARTED_SLOT, started) if started else shell


def article_page(article: Article, after: int | None, own_ids: list[int], render) -> str:
    """The article page for this reader, from a page rendered once per revision.

    Only the CSRF token and the form's signed start time differ between readers; they are
    put into the cached page in place of their stand-ins. `render(started)` renders it.
    """
    csrf = page_csrf_token()
    started = form_started_token(article.id)
    if own_ids or not getattr(article, "version", None):
        return render(started)
    consent = dismissed(current_app.config, request.cookies)
    key = fastpath.page_key(article.version, after, consent, request.query_string)
    cached = _cache().get(key)
    if cached is None:
        html = render(started)
        shell = punch_slots(html, csrf, started)
        last_modified = http_date(article.changed_at.replace(tzinfo=UTC))
        _cache().put(key, (shell, last_modified), len(shell))
        return html
    return fill_slots(cached[0], csrf, started)


def home_page(versions: tuple, before: int | None, render) -> str:
    """A home page for this reader, rendered once per set of article versions it shows.

    Only the cookie notice differs between readers: shown or not, and its CSRF token.
    """
    consent = dismissed(current_app.config, request.cookies)
    csrf = None if consent else page_csrf_token()
    # As on article pages, the query string is part of the page.
    key = ("home", versions, before, consent, request.query_string)
    shell = _cache().get(key)
    if shell is None:
        html = render()
        shell = punch_slots(html, csrf)
        _cache().put(key, shell, len(shell))
        return html
    return fill_slots(shell, csrf)


def fresh_form(article: Article) -> Markup:
    """An empty comment form for this reader, from a form rendered once per article."""
    from .forms import CommentForm

    csrf = page_csrf_token()
    started = form_started_token(article.id)
    key = ("form", article.id, article.slug)
    shell = _cache().get(key)
    if shell is None:
        form = CommentForm(formdata=None)
        form.started.data = started
        html = render_template("comments/_form.html", article=article, form=form)
        shell = punch_slots(html, csrf, started)
        _cache().put(key, shell, len(shell))
        return Markup(html)
    return Markup(fill_slots(shell, csrf, started))


def page_etag(article: Article, after: int | None, fragment: bool) -> str:
    """The same tag the revalidation middleware computes before Flask is involved."""
    return fastpath.article_etag(
        current_app.config, article.version, after, fragment, request.cookies
    )


def is_fresh(etag: str) -> bool:
    return etag in request.if_none_match


def not_modified(article: Article, etag: str) -> Response:
    return mark(Response(status=304), article, etag)


def mark(response: Response, article: Article, etag: str) -> Response:
    headers = response.headers
    headers["ETag"] = f'"{etag}"'
    headers["Last-Modified"] = http_date(article.changed_at.replace(tzinfo=UTC))
    # Pages carry per-session form tokens: browsers may keep them, shared caches may not,
    # and every use is revalidated (cheaply, thanks to the ETag).
    headers["Cache-Control"] = "private, no-cache"
    return response
