"""Reader-facing pages: the article list, an article with its comments, the terms."""

from flask import Blueprint, abort, current_app, render_template, request

from . import queries
from .forms import CommentForm
from .models import Article
from .own_comments import own_comment_ids

bp = Blueprint("articles", __name__)


def article_or_404(slug: str) -> Article:
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
    """The full article page, showing the comment page that starts after `after`."""
    comments, next_after = queries.comment_page(
        article.id, after, current_app.config["COMMENTS_PER_PAGE"], own_comment_ids()
    )
    page = render_template(
        "articles/show.html",
        article=article,
        comments=comments,
        next_after=next_after,
        after=after,
        form=(form or CommentForm()).stamp(article.id),
        **extra,
    )
    return page, status


@bp.get("/")
def index():
    """List published articles, newest first, a page at a time."""
    before = request.args.get("before", type=int)
    articles, next_before = queries.article_page(before, current_app.config["ARTICLES_PER_PAGE"])
    return render_template(
        "articles/index.html", articles=articles, before=before, next_before=next_before
    )


@bp.get("/articles/<slug>")
def show(slug: str):
    """Show one article with its first page of comments and the comment form."""
    return render_article(article_or_404(slug))


@bp.get("/favicon.ico")
def favicon():
    """Browsers and crawlers ask for this path even when the page names its icon."""
    return current_app.send_static_file("img/favicon.svg")


@bp.get("/terms")
def terms():
    """The terms and conditions that commenters accept."""
    return render_template("articles/terms.html")
