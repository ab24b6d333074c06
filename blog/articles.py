"""Reader-facing pages: the article list, an article with its comments, the terms."""

from flask import Blueprint, abort, current_app, make_response, render_template, request

from . import page_cache, queries
from .forms import CommentForm
from .models import Article
from .own_comments import own_comment_ids

bp = Blueprint("articles", __name__)


def article_or_404(slug: str, for_reading: bool = False) -> Article:
    """The published article or a 404; `for_reading` allows this worker's cached copy."""
    if for_reading:
        article = page_cache.current_article(slug)
    else:
        article = queries.published_article_or_none(slug)
    if article is None:
        abort(404, description="We could not find that article. It may have moved or been removed.")
    return article


def render_article(
    article: Article,
    form: CommentForm | None = None,
    after: int | None = None,
    status: int = 200,
    **extra,
):
    """The full article page, showing the comment page that starts after `after`.

    A plain view of the page (no form errors) carries an ETag; a browser that already has
    that version gets 304 without anything being rendered.
    """
    own_ids = own_comment_ids()
    # A first visit creates the session that the form's token belongs to; its ETag would
    # name no session, so it gets none, and the reader's next view starts revalidating.
    has_session = current_app.config["SESSION_COOKIE_NAME"] in request.cookies
    cacheable = form is None and status == 200 and has_session
    if cacheable:
        etag = page_cache.page_etag(article, after, fragment=False)
        if page_cache.is_fresh(etag):
            return page_cache.not_modified(article, etag)

    def render(started: str | None = None) -> str:
        items, next_after = page_cache.comment_items(article, after, own_ids)
        comment_form = form or CommentForm()
        if started:
            comment_form.started.data = started
        return render_template(
            "articles/show.html",
            article=article,
            comment_items=items,
            next_after=next_after,
            after=after,
            form=comment_form.stamp(article.id),
            **extra,
        )

    if form is not None or status != 200:
        return render(), status
    html = page_cache.article_page(article, after, own_ids, render)
    if not cacheable:
        return html
    return page_cache.mark(make_response(html), article, etag)


@bp.get("/")
def index():
    """List published articles, newest first, a page at a time."""
    before = request.args.get("before", type=int)
    size = current_app.config["ARTICLES_PER_PAGE"]

    def render() -> str:
        articles, next_before = queries.article_page(before, size)
        return render_template(
            "articles/index.html", articles=articles, before=before, next_before=next_before
        )

    return page_cache.home_page(queries.article_page_versions(before, size), before, render)


@bp.get("/articles/<slug>")
def show(slug: str):
    """Show one article with its first page of comments and the comment form."""
    return render_article(article_or_404(slug, for_reading=True))


@bp.get("/favicon.ico")
def favicon():
    """Browsers and crawlers ask for this path even when the page names its icon."""
    return current_app.send_static_file("img/favicon.svg")


@bp.get("/terms")
def terms():
    """The terms and conditions that commenters accept."""
    return render_template("articles/terms.html")
