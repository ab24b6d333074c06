"""Reader-facing pages: the article list, an article with its comments, the terms."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from ..comments import own_comments
from ..comments import queries as comment_queries
from ..comments.antispam import form_started_token
from ..comments.forms import CommentForm
from ..extensions import db
from ..mail.forms import FollowForm
from ..models import Article
from ..speed import pages
from ..speed.lru import LRU
from ..web.params import optional_id
from ..web.public import public_answer
from . import queries
from .forms import is_tag_slug
from .forms import tag_slug as make_tag_slug

bp = Blueprint("articles", __name__)
NO_SUCH_ARTICLE = "We could not find that article. It may have moved or been removed."


def article_or_404(slug: str) -> tuple[Article, pages.Version]:
    """The published article and its version, or a 404.

    The article comes from this worker's memory while its version, one indexed lookup, is
    still current. It is detached from the session: for reading only.
    """
    version = pages.request_version(slug)
    if version is None:
        abort(404, description=NO_SUCH_ARTICLE)
    snapshots = current_app.extensions.get("article_snapshots")
    if snapshots is None:
        snapshots = current_app.extensions["article_snapshots"] = LRU(
            current_app.config["ARTICLE_SNAPSHOTS"]
        )
    known = snapshots.get(slug)
    if known is not None and known[0] == version:
        return known[1], version
    article = queries.published_article_or_none(slug)
    if article is None:  # unpublished since the lookup
        abort(404, description=NO_SUCH_ARTICLE)
    db.session.expunge(article)
    snapshots.put(slug, (version, article))
    return article, version


def render_article(
    article: Article,
    version: pages.Version,
    form: CommentForm | None = None,
    before: int | None = None,
    status: int = 200,
    **extra,
):
    """The article page, with the newest threads of comments (or those before the
    top-level comment `before`).

    A plain view is the same for every reader (see pages.shared_page); a page with form
    errors or a preview, or with comments of this reader's own that only they see or may
    still change, is built for this request only.
    """
    mine = own_comments.mine_here(article.id)
    started = form_started_token(article.id)

    def render(stamp: str = pages.STAMP_SLOT) -> str:
        comment_form = form or CommentForm(formdata=None)
        if form is None:
            comment_form.started.data = stamp
        threads, earlier = comment_queries.page_of_threads(article.id, before, mine.held)
        older, newer = queries.neighbours(article)
        return render_template(
            "articles/show.html",
            article=article,
            older=older,
            newer=newer,
            threads=threads,
            earlier=earlier,
            before=before,
            version=version,
            newest=comment_queries.newest_id(threads),
            form=comment_form,
            changeable=mine.changeable,
            follow_form=FollowForm(formdata=None),
            **extra,
        )

    if form is not None:
        form.stamp(article.id)
        return own_comments.personal(render()), status
    if mine:
        return own_comments.personal(render(started))
    return pages.shared_page(version, render, stamp=started)


def _visible_or_404(before: int | None) -> int | None:
    """A page of a list starts after an article readers see; any other id says nothing
    about what is there (a draft, a scheduled article or no article alike)."""
    if before is not None and not queries.readers_see(before):
        abort(404, description="That page of the list does not exist.")
    return before


@bp.get("/")
def index():
    """List published articles, newest first, a page at a time."""
    before = _visible_or_404(optional_id("before"))
    size = current_app.config["ARTICLES_PER_PAGE"]

    def render() -> str:
        articles, next_before = queries.article_page(before, size)
        return render_template(
            "articles/index.html", articles=articles, before=before, next_before=next_before
        )

    return pages.shared_page(queries.article_page_versions(before, size), render)


@bp.get("/tags/<tag_slug>")
def tagged(tag_slug: str):
    """Published articles with one tag, newest first, a page at a time."""
    # /tags/Sleep, /tags/café: written another way, answered with the tag's own address
    address = tag_slug if is_tag_slug(tag_slug) else make_tag_slug(tag_slug)
    tag = queries.tag_or_none(address)
    if tag is None or not queries.tag_shows(tag):
        abort(404, description="There are no articles with that tag.")
    if address != tag_slug:
        return redirect(url_for("articles.tagged", tag_slug=tag.slug, **request.args), 301)
    before = _visible_or_404(optional_id("before"))
    size = current_app.config["ARTICLES_PER_PAGE"]
    articles, next_before = queries.tagged_page(tag, before, size)
    html = render_template(
        "articles/tagged.html", tag=tag, articles=articles, before=before, next_before=next_before
    )
    return public_answer(html)


@bp.get("/articles/<slug>")
def show(slug: str):
    """Show one article with its first page of comments and the comment form."""
    return render_article(*article_or_404(slug))


@bp.get("/favicon.ico")
def favicon():
    """Browsers and crawlers ask for this path even when the page names its icon."""
    return current_app.send_static_file("img/favicon.svg")


@bp.get("/terms")
def terms() -> Response | str:
    """The terms and conditions that commenters accept."""
    return render_template("articles/terms.html")
