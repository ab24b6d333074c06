"""Comments: paging through them, posting one, and permalinks."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import update

from . import queries
from .articles import article_or_404, render_article
from .extensions import db
from .forms import CommentForm
from .htmx import is_htmx
from .models import Article, Comment, CommentStatus

bp = Blueprint("comments", __name__)


@bp.get("/articles/<slug>/comments")
def page(slug: str):
    """The page of comments after `after`: appended in place under htmx, else a full page."""
    article = article_or_404(slug)
    after = request.args.get("after", type=int)
    if not is_htmx():
        return render_article(article, after=after)
    comments, next_after = queries.comment_page(
        article.id, after, current_app.config["COMMENTS_PER_PAGE"]
    )
    return render_template(
        "comments/_page.html", article=article, comments=comments, next_after=next_after
    )


@bp.get("/articles/<slug>/comments/<int:comment_id>")
def permalink(slug: str, comment_id: int):
    """A stable address for one comment: redirect to the page that shows it."""
    article = article_or_404(slug)
    comment = db.session.get(Comment, comment_id)
    if (
        comment is None
        or comment.article_id != article.id
        or comment.status != CommentStatus.PUBLISHED
    ):
        abort(404, description="That comment is not available. It may have been removed.")
    return redirect(comment_location(article, comment))


def comment_location(article: Article, comment: Comment) -> str:
    previous_id, on_first_page = queries.comment_before(
        comment, current_app.config["COMMENTS_PER_PAGE"]
    )
    if on_first_page:
        return url_for("articles.show", slug=article.slug, _anchor=comment.anchor)
    return url_for("comments.page", slug=article.slug, after=previous_id, _anchor=comment.anchor)


def render_form(article: Article, form: CommentForm, status: int, message: str | None = None):
    """The form with its errors: in place under htmx, else the whole article page."""
    if is_htmx():
        html = render_template(
            "comments/_form.html", article=article, form=form, form_message=message
        )
        return html, status
    return render_article(article, form=form, status=status, form_message=message)


@bp.post("/articles/<slug>/comments")
def create(slug: str):
    """Store a new comment; answer with the comment in place, or redirect to it."""
    article = article_or_404(slug)
    form = CommentForm()
    if not form.validate_on_submit():
        return render_form(
            article, form, 422, "Your comment was not posted. Please correct the marked fields."
        )
    comment = Comment(
        article_id=article.id,
        author_name=form.name.data,
        author_email=form.email.data,
        author_url=form.website.data or None,
        status=CommentStatus.PUBLISHED,
    )
    comment.set_body(form.body.data)
    db.session.add(comment)
    # Counted in SQL so that concurrent posts never lose an increment.
    db.session.execute(
        update(Article)
        .where(Article.id == article.id)
        .values(comment_count=Article.comment_count + 1)
    )
    db.session.commit()
    if not is_htmx():
        return redirect(comment_location(article, comment), 303)
    return render_template(
        "comments/_created.html",
        article=article,
        comment=comment,
        form=CommentForm(formdata=None),
        status_message="Thank you, your comment has been posted.",
    )


def csrf_failed():
    """An expired or missing token: keep what the reader typed and hand out a fresh one."""
    article = queries.published_article_or_none(request.view_args.get("slug", ""))
    if article is None:
        return None
    form = CommentForm()  # holds what was typed; renders a fresh token
    return render_form(
        article,
        form,
        400,
        "For your security this form expired before it was sent. We kept your comment: "
        "please check it and send it again.",
    )
