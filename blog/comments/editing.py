"""A commenter's own comment, for COMMENT_EDIT_MINUTES after posting, from the browser
that posted it (the own-comments cookie): edit it in place or delete it. Inline with htmx,
else as pages of their own. Every answer here is for this reader only."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from ..articles.views import article_or_404
from ..extensions import db
from ..models import Article, Comment, CommentStatus
from ..web import throttle
from ..web.htmx import is_htmx
from . import changes, own_comments, queries
from .forms import EditForm
from .posting import FIX_FIELDS, Refused
from .views import NO_SUCH_COMMENT, comment_location

bp = Blueprint("editing", __name__)

WINDOW_CLOSED = (
    "This comment can no longer be changed here. A comment can be edited or deleted for"
    " {minutes} minutes after it is posted, from the browser that posted it."
)
SAVED = {
    CommentStatus.PUBLISHED: "Your changes are saved.",
    CommentStatus.PENDING: "Your changes are saved. Your comment is awaiting moderation.",
    CommentStatus.SPAM: "Your changes are saved. Your comment is awaiting moderation.",
}
DELETED = "Your comment was deleted."
# Each saved edit renders the article's pages anew for everyone: a few are plenty.
EDITS_PER_COMMENT = 10
TOO_MANY_EDITS = (
    "This comment has been changed many times already. Please leave it as it is for now."
)


def own_comment(slug: str, comment_id: int) -> tuple[Article, Comment]:
    """The article and this reader's comment on it, if they may still change it: else a
    404 (no such comment here) or a 403 that says why."""
    article, _ = article_or_404(slug)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.article_id != article.id:
        abort(404, description=NO_SUCH_COMMENT)
    if not own_comments.may_change(comment):
        minutes = current_app.config["COMMENT_EDIT_MINUTES"]
        abort(403, description=WINDOW_CLOSED.format(minutes=minutes))
    return article, comment


def for_this_reader(html: str, status: int = 200):
    return own_comments.personal(html, status, kept=False)


@bp.route("/articles/<slug>/comments/<id:comment_id>/edit", methods=["GET", "POST"])
def edit(slug: str, comment_id: int):
    """The comment's words in a form; saved, the comment as it now reads."""
    article, comment = own_comment(slug, comment_id)
    form = EditForm(prefix=f"edit-{comment.id}", data={"body": comment.body})
    message, status = None, 200
    if request.method == "POST":
        window = current_app.config["COMMENT_EDIT_MINUTES"] * 60
        if throttle.hit(f"edit:{comment.id}", window) > EDITS_PER_COMMENT:
            db.session.rollback()
            message, status = TOO_MANY_EDITS, 429
        elif form.validate():
            try:
                changes.change_text(comment, form.body.data)
            except Refused as refusal:
                form.body.errors.append(refusal.body_error or refusal.message)
                message, status = refusal.message, refusal.status
            else:
                return answer_changed(article, comment, SAVED[comment.status])
        else:
            message, status = FIX_FIELDS, 422
    template = "comments/_edit.html" if is_htmx() else "comments/edit.html"
    html = render_template(
        template, article=article, comment=comment, form=form, form_message=message
    )
    return for_this_reader(html, status)


@bp.route("/articles/<slug>/comments/<id:comment_id>/delete", methods=["GET", "POST"])
def delete(slug: str, comment_id: int):
    """Asks first (a second button, or a page); then deletes."""
    article, comment = own_comment(slug, comment_id)
    if request.method == "GET":
        template = "comments/_delete.html" if is_htmx() else "comments/delete.html"
        return for_this_reader(render_template(template, article=article, comment=comment))
    keeps_place, cleared = changes.take_back(comment)
    db.session.commit()
    article = db.session.get(Article, article.id)
    if is_htmx():
        html = render_template(
            "comments/_deleted.html",
            article=article,
            comment=comment if keeps_place else None,
            comment_id=comment_id,
            cleared=cleared,
            status_message=DELETED,
        )
        response = for_this_reader(html)
    else:
        response = redirect(url_for("articles.show", slug=article.slug, _anchor="comments"), 303)
    own_comments.forget(response, comment_id)
    return response


@bp.get("/articles/<slug>/comments/<id:comment_id>/shown")
def shown(slug: str, comment_id: int):
    """The comment as the page shows it: what Cancel puts back in place of a form."""
    article, _ = article_or_404(slug)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.article_id != article.id:
        abort(404, description=NO_SUCH_COMMENT)
    mine = own_comments.is_own(comment)
    if comment.status not in (CommentStatus.PUBLISHED, CommentStatus.REMOVED) and not mine:
        abort(404, description=NO_SUCH_COMMENT)
    if not is_htmx():
        return redirect(comment_location(article, comment))
    html = render_template(
        "comments/_changed.html",
        article=article,
        comment=comment,
        changeable=own_comments.may_change(comment),
        answers=queries.answered(comment),
        status_message=None,
    )
    return for_this_reader(html)


def answer_changed(article: Article, comment: Comment, message: str):
    if not is_htmx():
        return redirect(comment_location(article, comment), 303)
    html = render_template(
        "comments/_changed.html",
        article=db.session.get(Article, article.id),
        comment=comment,
        changeable=comment.status != CommentStatus.SPAM,
        answers=queries.answered(comment),
        status_message=message,
    )
    return for_this_reader(html)
