"""Comments: pages of threads, posting a comment or a reply, previews and permalinks."""

from contextlib import suppress

from flask import (
    Blueprint,
    abort,
    current_app,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from ..articles.views import article_or_404, render_article
from ..extensions import db
from ..mail.subscriptions import REPLIES_ASKED, TOO_MANY_ASKS
from ..models import Article, Comment, CommentStatus
from ..speed import pages
from ..web import errors
from ..web.htmx import is_htmx
from ..web.params import optional_id
from . import antispam, own_comments, queries
from .forms import CommentForm
from .posting import FIX_FIELDS, NewComment, Refused, preview_of, store

bp = Blueprint("comments", __name__)

NOT_SAVED = (
    "Your comment was not saved: the blog is busy for a moment. It is still here below;"
    " please send it again in a few seconds."
)
NOT_ANSWERABLE = (
    "That comment can no longer be answered: it is held for moderation, removed, or not"
    " on this article. Your words are kept below, to post as a new comment."
)
NO_SUCH_COMMENT = "That comment is not available. It may have been removed."
THANKS = {
    CommentStatus.PUBLISHED: "Thank you, your comment has been posted.",
    CommentStatus.PENDING: "Thank you. Your comment is awaiting moderation.",
    CommentStatus.SPAM: "Thank you. Your comment is awaiting moderation.",
}


@bp.get("/articles/<slug>/comments")
def page(slug: str):
    """The threads before `before`: inserted above under htmx, else a full page."""
    article, version = article_or_404(slug)
    before = optional_id("before")
    if not is_htmx():
        return render_article(article, version, before=before)
    mine = own_comments.mine_here(article.id)

    def render() -> str:
        threads, earlier = queries.page_of_threads(article.id, before, mine.held)
        return render_template(
            "comments/_page.html",
            article=article,
            threads=threads,
            earlier=earlier,
            changeable=mine.changeable,
        )

    return own_comments.personal(render()) if mine else pages.shared_page(version, render)


@bp.get("/articles/<slug>/comments/<id:comment_id>")
def permalink(slug: str, comment_id: int):
    """A stable address for one comment: redirect to the page that shows it."""
    article, _ = article_or_404(slug)
    comment = db.session.get(Comment, comment_id)
    visible = comment is not None and (
        comment.status == CommentStatus.PUBLISHED
        or (comment.status == CommentStatus.PENDING and own_comments.is_own(comment))
    )
    if not visible or comment.article_id != article.id:
        abort(404, description=NO_SUCH_COMMENT)
    return redirect(comment_location(article, comment))


def comment_location(article: Article, comment: Comment | NewComment) -> str:
    """The page holding `comment`'s thread, at the comment: the article page when the
    thread is among the newest this reader is shown, else the page of earlier threads
    that ends with it."""
    top = db.session.get(Comment, comment.root_id) if comment.root_id else None
    size = current_app.config["COMMENTS_PER_PAGE"]
    held = own_comments.mine_here(article.id).held
    newer = queries.newer_tops(article.id, top or comment, size, held)
    if len(newer) < size:
        return url_for("articles.show", slug=article.slug, _anchor=comment.anchor)
    return url_for("comments.page", slug=article.slug, before=newer[0], _anchor=comment.anchor)


def answerable(article: Article, comment_id: int) -> Comment | None:
    """The comment a reply may answer: a published one on this article."""
    parent = db.session.get(Comment, comment_id)
    if parent is None or parent.article_id != article.id:
        return None
    return parent if parent.status == CommentStatus.PUBLISHED else None


def reply_prefix(parent_id: int | None) -> str:
    """Field names and ids: each reply form has its own, so several fit on one page."""
    return f"reply-{parent_id}" if parent_id else "comment"


@bp.get("/articles/<slug>/comments/<id:comment_id>/reply")
def reply(slug: str, comment_id: int):
    """The form for a reply: opened under the comment by htmx, else a page of its own
    showing the comment answered."""
    article, version = article_or_404(slug)
    parent = answerable(article, comment_id)
    if parent is None:
        abort(404, description=NOT_ANSWERABLE.split(":")[0] + ".")

    def render(stamp: str = pages.STAMP_SLOT) -> str:
        form = CommentForm(formdata=None, prefix=reply_prefix(parent.id))
        form.started.data = stamp
        template = "comments/_form.html" if is_htmx() else "comments/reply.html"
        return render_template(template, article=article, form=form, parent=parent)

    stamp = antispam.form_started_token(article.id)
    return pages.shared_page(version, render, stamp=stamp)


def render_form(
    article: Article,
    form: CommentForm,
    status: int,
    message: str | None = None,
    parent: Comment | None = None,
    preview: NewComment | None = None,
):
    """The form with its errors (or its preview): in place under htmx; else the whole
    article page (or, for a reply, the reply page). Built for this request only."""
    form.stamp(article.id)
    context = dict(
        article=article,
        form=form,
        form_message=message,
        parent=parent,
        preview=preview,
        # a reply below the deepest level names what it answers, in its preview too
        preview_answers=queries.answered(preview) if preview else None,
    )
    if is_htmx():
        return render_template("comments/_form.html", **context), status
    if parent is not None:
        return render_template("comments/reply.html", **context), status
    return render_article(
        article,
        pages.request_version(article.slug),
        form,
        status=status,
        form_message=message,
        preview=preview,
    )


def refuse_quietly(article: Article, parent: Comment | None = None):
    """What a bot that filled the honeypot sees: success, with nothing stored."""
    if not is_htmx():
        return redirect(url_for("articles.show", slug=article.slug, _anchor="comments"), 303)
    return created(
        article, None, THANKS[CommentStatus.PENDING], None if parent else fresh_form(article)
    )


def created(
    article: Article, comment: NewComment | None, status_message: str, form_html=None, **more
) -> str:
    """The answer to an inline post (comments/_created.html)."""
    return get_template_attribute("comments/_created.html", "created")(
        article, comment, status_message, form_html, **more
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
    return receive(slug, None)


@bp.post("/articles/<slug>/comments/<id:comment_id>/replies")
def create_reply(slug: str, comment_id: int):
    """The same for a reply to the comment `comment_id`."""
    return receive(slug, comment_id)


def receive(slug: str, parent_id: int | None):
    prefix = reply_prefix(parent_id)
    try:
        article, _ = article_or_404(slug)
        parent = answerable(article, parent_id) if parent_id else None
    except errors.DATABASE_ERRORS as error:
        if not errors.is_outage(error):
            raise
        errors.log_outage(error)
        return kept_for_later(None, CommentForm(prefix=prefix), slug)
    form = CommentForm(prefix=prefix)
    if parent_id and parent is None:
        return render_form(article, as_new_comment(form), 422, NOT_ANSWERABLE)
    if form.preview.data:
        if not form.validate():
            return render_form(article, form, 422, FIX_FIELDS, parent)
        preview = preview_of(article, form, parent, by_owner=owner_signed_in())
        return render_form(article, form, 200, None, parent, preview)
    if antispam.honeypot_filled():
        return refuse_quietly(article, parent)
    if not form.validate_on_submit():
        return render_form(article, form, 422, FIX_FIELDS, parent)
    trap = antispam.time_trap_message(form.started.data, article.id)
    if trap:
        return render_form(article, form, 422, trap, parent)
    try:
        comment, comment_count = store(article, form, parent, by_owner=owner_signed_in())
    except Refused as refusal:
        if refusal.body_error:
            form.body.errors.append(refusal.body_error)
        return render_form(article, form, refusal.status, refusal.message, parent)
    except errors.DATABASE_ERRORS as error:
        if not errors.is_outage(error):
            raise
        errors.log_outage(error)
        return kept_for_later(article, form, slug, parent)
    return answer_created(article, comment, comment_count, parent, bool(form.notify.data))


def as_new_comment(reply_form: CommentForm) -> CommentForm:
    """A reply whose comment cannot be answered any more: its words in the main form."""
    form = CommentForm(
        formdata=None,
        data={name: reply_form[name].data for name in ("name", "email", "website", "body")},
    )
    form.started.data = reply_form.started.data
    return form


def owner_signed_in() -> bool:
    """Is the site's owner posting? (Only a browser with a session can be signed in.)"""
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return False
    return current_user.is_authenticated


def kept_for_later(
    article: Article | None, form: CommentForm, slug: str, parent: Comment | None = None
):
    """The database could not take the comment now: the form again, with what was typed,
    and when to retry. If even the article cannot be read, the form alone (keeping the
    form's own start time: the article's id, which signs a new one, is unknown)."""
    response = None
    if article is not None:
        with suppress(*errors.DATABASE_ERRORS):
            response = current_app.make_response(render_form(article, form, 503, NOT_SAVED, parent))
    if response is None:
        template = "comments/_form.html" if is_htmx() else "comments/retry.html"
        html = render_template(
            template, article=article, slug=slug, form=form, form_message=NOT_SAVED
        )
        response = current_app.make_response((html, 503))
    response.headers["Retry-After"] = errors.RETRY_AFTER
    return response


def answer_created(
    article: Article,
    comment: NewComment,
    comment_count: int,
    parent: Comment | None,
    asked_mail: bool = False,
):
    if comment.status == CommentStatus.SPAM:
        return refuse_quietly(article, parent)
    if is_htmx():
        response = current_app.make_response(
            created(
                article,
                comment,
                " ".join([THANKS[comment.status], *mail_words(asked_mail, comment)]),
                form_html=None if parent else fresh_form(article),
                into=reply_list_for(parent),
                comment_count=comment_count,
                level=queries.shown_level(comment),
                answers=queries.answered(comment),
            )
        )
    elif asked_mail:  # the page that says what happens next, linking to the comment
        busy = None if comment.mail_heard else 1
        where = url_for("mail.asked", slug=article.slug, comment_id=comment.id, busy=busy)
        response = redirect(where, 303)
    else:
        response = redirect(comment_location(article, comment), 303)
    own_comments.remember(response, comment.id, comment.secret)  # past shared caches too
    return response


def mail_words(asked: bool, comment: NewComment) -> list[str]:
    """What a writer who ticked "Email me when someone replies" is told."""
    if not asked:
        return []
    return [REPLIES_ASKED if comment.mail_heard else TOO_MANY_ASKS]


def reply_list_for(parent: Comment | None) -> str | None:
    """The list a new reply to `parent` joins on the page (its id), None for a new thread.
    A reply below the deepest level joins the list that holds its parent."""
    if parent is None:
        return None
    if parent.depth < queries.deepest():
        return f"replies-{parent.id}"
    return f"replies-{queries.ancestor_at(parent, queries.deepest() - 1)}"
