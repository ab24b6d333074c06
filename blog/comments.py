"""Comments: paging through them, posting one, and permalinks."""

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.exc import IntegrityError

from . import antispam, page_cache, queries, throttle
from .articles import article_or_404, render_article
from .extensions import db
from .forms import CommentForm
from .htmx import is_htmx
from .models import Article, Comment, CommentStatus, record_change
from .own_comments import own_comment_ids, remember

bp = Blueprint("comments", __name__)

FIX_FIELDS = "Your comment was not posted. Please correct the marked fields."
DUPLICATE = "You have already said that. Your earlier comment with these words is saved."
TOO_QUICK = "You are posting too quickly. Please wait a few seconds and send it again."
THANKS = {
    CommentStatus.PUBLISHED: "Thank you, your comment has been posted.",
    CommentStatus.PENDING: "Thank you. Your comment is awaiting moderation.",
    CommentStatus.SPAM: "Thank you. Your comment is awaiting moderation.",
}


@bp.get("/articles/<slug>/comments")
def page(slug: str):
    """The page of comments after `after`: appended in place under htmx, else a full page."""
    article = article_or_404(slug, for_reading=True)
    after = request.args.get("after", type=int)
    if not is_htmx():
        return render_article(article, after=after)
    own_ids = own_comment_ids()
    etag = page_cache.page_etag(article, after, fragment=True)
    if page_cache.is_fresh(etag):
        return page_cache.not_modified(article, etag)
    items, next_after = page_cache.comment_items(article, after, own_ids)
    html = render_template(
        "comments/_page.html", article=article, comment_items=items, next_after=next_after
    )
    return page_cache.mark(make_response(html), article, etag)


@bp.get("/articles/<slug>/comments/<int:comment_id>")
def permalink(slug: str, comment_id: int):
    """A stable address for one comment: redirect to the page that shows it."""
    article = article_or_404(slug, for_reading=True)
    comment = db.session.get(Comment, comment_id)
    visible = comment is not None and (
        comment.status == CommentStatus.PUBLISHED or comment.id in own_comment_ids()
    )
    if not visible or comment.article_id != article.id:
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
    form.stamp(article.id)
    if is_htmx():
        html = render_template(
            "comments/_form.html", article=article, form=form, form_message=message
        )
        return html, status
    return render_article(article, form=form, status=status, form_message=message)


def refuse_quietly(article: Article):
    """What a bot that filled the honeypot sees: success, with nothing stored."""
    if not is_htmx():
        return redirect(url_for("articles.show", slug=article.slug, _anchor="comments"), 303)
    return render_template(
        "comments/_created.html",
        article=article,
        comment=None,
        form_html=page_cache.fresh_form(article),
        status_message=THANKS[CommentStatus.PENDING],
    )


@bp.post("/articles/<slug>/comments")
def create(slug: str):
    """Check and store a new comment; answer with it in place, or redirect to it."""
    article = article_or_404(slug)
    if antispam.honeypot_filled():
        return refuse_quietly(article)
    form = CommentForm()
    if not form.validate_on_submit():
        return render_form(article, form, 422, FIX_FIELDS)
    trap = antispam.time_trap_message(form.started.data, article.id)
    if trap:
        return render_form(article, form, 422, trap)
    # Duplicates are caught by the unique index on (article, fingerprint) when storing.
    print_ = antispam.fingerprint(form.email.data, form.body.data)
    ip_hash = throttle.client_fingerprint()
    flood_seconds = current_app.config["COMMENT_FLOOD_SECONDS"]
    if throttle.hit(f"post:{ip_hash}", flood_seconds) > 1:
        db.session.rollback()
        return render_form(article, form, 429, TOO_QUICK)
    comment = store(article, form, print_, ip_hash)
    if comment is None:
        form.body.errors.append(DUPLICATE)
        return render_form(article, form, 422, FIX_FIELDS)
    return answer_created(article, comment)


def store(article: Article, form: CommentForm, print_: str, ip_hash: str) -> Comment | None:
    """Insert the comment and keep the count, in one short transaction."""
    status = antispam.decide_status(
        form.name.data, form.email.data, form.website.data, form.body.data
    )
    comment = Comment(
        article_id=article.id,
        author_name=form.name.data,
        author_email=form.email.data,
        author_url=form.website.data or None,
        status=status,
        fingerprint=print_,
        ip_hash=ip_hash,
    )
    comment.set_body(form.body.data)
    try:
        db.session.add(comment)
        db.session.flush()  # the unique index speaks here, before anything else changes
        if status == CommentStatus.PUBLISHED:
            article.comment_count = record_change(article.id, published_delta=1)
        db.session.commit()
    except IntegrityError:  # the same words from the same person already stored
        db.session.rollback()
        return None
    return comment


def answer_created(article: Article, comment: Comment):
    if comment.status == CommentStatus.SPAM:
        return refuse_quietly(article)
    if is_htmx():
        response = current_app.make_response(
            render_template(
                "comments/_created.html",
                article=article,
                comment=comment,
                form_html=page_cache.fresh_form(article),
                status_message=THANKS[comment.status],
            )
        )
    else:
        response = redirect(comment_location(article, comment), 303)
    if comment.status == CommentStatus.PENDING:
        remember(response, comment.id)
    return response


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
