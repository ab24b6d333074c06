"""Comments: paging through them, posting one, and permalinks."""

from contextlib import suppress

from flask import (
    Blueprint,
    abort,
    current_app,
    get_template_attribute,
    redirect,
    render_template,
    url_for,
)
from markupsafe import Markup

from ..articles.views import article_or_404, render_article
from ..extensions import db
from ..models import Article, Comment, CommentStatus
from ..speed import pages
from ..web import errors
from ..web.htmx import is_htmx
from ..web.params import optional_id
from . import antispam, own_comments, queries
from .forms import CommentForm
from .posting import FIX_FIELDS, NewComment, Refused, store

bp = Blueprint("comments", __name__)

NOT_SAVED = (
    "Your comment was not saved: the blog is busy for a moment. It is still here below;"
    " please send it again in a few seconds."
)
THANKS = {
    CommentStatus.PUBLISHED: "Thank you, your comment has been posted.",
    CommentStatus.PENDING: "Thank you. Your comment is awaiting moderation.",
    CommentStatus.SPAM: "Thank you. Your comment is awaiting moderation.",
}


@bp.get("/articles/<slug>/comments")
def page(slug: str):
    """The page of comments after `after`: appended in place under htmx, else a full page."""
    article, version = article_or_404(slug)
    after = optional_id("after")
    if not is_htmx():
        return render_article(article, version, after=after)
    held = own_comments.held_here(article.id)

    def render() -> str:
        size = current_app.config["COMMENTS_PER_PAGE"]
        comments, next_after = queries.comment_page(article.id, after, size, held)
        return render_template(
            "comments/_page.html", article=article, comments=comments, next_after=next_after
        )

    return own_comments.personal(render()) if held else pages.shared_page(version, render)


@bp.get("/articles/<slug>/comments/<id:comment_id>")
def permalink(slug: str, comment_id: int):
    """A stable address for one comment: redirect to the page that shows it."""
    article, _ = article_or_404(slug)
    comment = db.session.get(Comment, comment_id)
    visible = comment is not None and (
        comment.status == CommentStatus.PUBLISHED
        or own_comments.is_own(comment.id, comment.created_at)
    )
    if not visible or comment.article_id != article.id:
        abort(404, description="That comment is not available. It may have been removed.")
    return redirect(comment_location(article, comment))


def comment_location(article: Article, comment: Comment | NewComment) -> str:
    previous_id, on_first_page = queries.comment_before(
        comment, current_app.config["COMMENTS_PER_PAGE"]
    )
    if on_first_page:
        return url_for("articles.show", slug=article.slug, _anchor=comment.anchor)
    return url_for("comments.page", slug=article.slug, after=previous_id, _anchor=comment.anchor)


def render_form(article: Article, form: CommentForm, status: int, message: str | None = None):
    """The form with its errors: in place under htmx, else the whole article page."""
    form.stamp(article.id)
    if is_htmx():
        html = render_template(
            "comments/_form.html", article=article, form=form, form_message=message
        )
        return html, status
    return render_article(
        article, pages.request_version(article.slug), form, status=status, form_message=message
    )


def refuse_quietly(article: Article):
    """What a bot that filled the honeypot sees: success, with nothing stored."""
    if not is_htmx():
        return redirect(url_for("articles.show", slug=article.slug, _anchor="comments"), 303)
    return render_template(
        "comments/_created.html",
        article=article,
        comment=None,
        form_html=fresh_form(article),
        status_message=THANKS[CommentStatus.PENDING],
    )


def fresh_form(article: Article) -> Markup:
    """An empty comment form, rendered once per article, with a fresh start time."""

    def render() -> str:
        form = CommentForm(formdata=None)
        form.started.data = pages.STAMP_SLOT
        return render_template("comments/_form.html", article=article, form=form)

    parts = pages.shared_parts(("form", article.id, article.slug), render)
    return Markup(pages.fill(parts, antispam.form_started_token(article.id)).decode())


@bp.post("/articles/<slug>/comments")
def create(slug: str):
    """Check and store a new comment; answer with it in place, or redirect to it."""
    try:
        article, _ = article_or_404(slug)
    except errors.DATABASE_ERRORS as error:
        if not errors.is_outage(error):
            raise
        errors.log_outage(error)
        return kept_for_later(None, CommentForm(), slug)
    if antispam.honeypot_filled():
        return refuse_quietly(article)
    form = CommentForm()
    if not form.validate_on_submit():
        return render_form(article, form, 422, FIX_FIELDS)
    trap = antispam.time_trap_message(form.started.data, article.id)
    if trap:
        return render_form(article, form, 422, trap)
    try:
        comment, comment_count = store(article, form)
    except Refused as refusal:
        if refusal.body_error:
            form.body.errors.append(refusal.body_error)
        return render_form(article, form, refusal.status, refusal.message)
    except errors.DATABASE_ERRORS as error:
        if not errors.is_outage(error):
            raise
        errors.log_outage(error)
        return kept_for_later(article, form, slug)
    return answer_created(article, comment, comment_count)


def kept_for_later(article: Article | None, form: CommentForm, slug: str):
    """The database could not take the comment now: the form again, with what was typed,
    and when to retry. If even the article cannot be read, the form alone (keeping the
    form's own start time: the article's id, which signs a new one, is unknown)."""
    response = None
    if article is not None:
        with suppress(*errors.DATABASE_ERRORS):
            response = current_app.make_response(render_form(article, form, 503, NOT_SAVED))
    if response is None:
        template = "comments/_form.html" if is_htmx() else "comments/retry.html"
        html = render_template(
            template, article=article, slug=slug, form=form, form_message=NOT_SAVED
        )
        response = current_app.make_response((html, 503))
    response.headers["Retry-After"] = errors.RETRY_AFTER
    return response


def answer_created(article: Article, comment: NewComment, comment_count: int):
    if comment.status == CommentStatus.SPAM:
        return refuse_quietly(article)
    if is_htmx():
        response = current_app.make_response(
            render_template(
                "comments/_created.html",
                article=article,
                comment=comment,
                # called from here: importing it in the template costs more than rendering
                comment_html=get_template_attribute("comments/_comment.html", "comment_item")(
                    comment, article
                ),
                comment_count=comment_count,
                form_html=fresh_form(article),
                status_message=THANKS[comment.status],
            )
        )
    else:
        response = redirect(comment_location(article, comment), 303)
    own_comments.remember(response, comment.id, comment.created_at)  # past shared caches too
    return response
