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
from sqlalchemy import bindparam, insert

from . import antispam, hot_sql, page_cache, queries, throttle
from .articles import article_or_404, render_article
from .extensions import db
from .forms import CommentForm
from .htmx import is_htmx
from .models import Article, Comment, CommentStatus, record_change, utcnow
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
    article = article_or_404(slug, for_reading=True)
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
    return answer_created(article, comment, comment_count)


class Refused(Exception):
    """A post the database checks turned down; its transaction is rolled back whole."""

    def __init__(self, status: int, message: str, body_error: str | None = None):
        super().__init__(message)
        self.status, self.message, self.body_error = status, message, body_error


def store(article: Article, form: CommentForm) -> tuple[Comment, int]:
    """Count the post for flood control, decide its status, insert it and keep the count.

    One short transaction of prebuilt statements on the request's connection (hot_sql):
    posting is a hot path. The comment object never enters the ORM session; it is given
    its id for rendering. Returns it and the article's published count.
    """
    ip_hash = throttle.client_fingerprint()
    flood_seconds = current_app.config["COMMENT_FLOOD_SECONDS"]
    try:
        with hot_sql.transaction(hot_sql.for_request()) as link:
            # The reads come before the first write. SQLite's driver begins the transaction
            # at the first write, so the write lock is held only for the three writes, and
            # is never an upgrade from a read (which fails at once instead of waiting).
            comment = new_comment(article, form, ip_hash, link)
            if throttle.hit(f"post:{ip_hash}", flood_seconds, link) > 1:
                raise Refused(429, TOO_QUICK)
            (comment.id,) = _INSERT.first(
                link, **{f"new_{column.key}": getattr(comment, column.key) for column in _INSERTED}
            )
            count = article.comment_count
            if comment.status == CommentStatus.PUBLISHED:
                count = record_change(article.id, published_delta=1, link=link)
    except hot_sql.integrity_error(db.engine):  # the unique index: these words, stored before
        raise Refused(422, FIX_FIELDS, DUPLICATE) from None
    return comment, count


def new_comment(article: Article, form: CommentForm, ip_hash: str, link) -> Comment:
    """The comment as it will be stored, with its status decided by the site's rules."""
    comment = Comment(
        article_id=article.id,
        author_name=form.name.data,
        author_email=form.email.data,
        author_url=form.website.data or None,
        created_at=utcnow(),
        status=antispam.decide_status(
            form.name.data, form.email.data, form.website.data, form.body.data, link
        ),
        # Duplicates are refused by the unique index on (article, fingerprint).
        fingerprint=antispam.fingerprint(form.email.data, form.body.data),
        ip_hash=ip_hash,
    )
    comment.set_body(form.body.data)
    return comment


_INSERTED = [column for column in Comment.__table__.columns if column.key != "id"]
_INSERT = hot_sql.Prepared(
    insert(Comment.__table__)
    .values({column: bindparam(f"new_{column.key}", type_=column.type) for column in _INSERTED})
    .returning(Comment.__table__.c.id)
)


def answer_created(article: Article, comment: Comment, comment_count: int):
    if comment.status == CommentStatus.SPAM:
        return refuse_quietly(article)
    if is_htmx():
        response = current_app.make_response(
            render_template(
                "comments/_created.html",
                article=article,
                comment=comment,
                comment_count=comment_count,
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
