"""The owner's side: sign in, the moderation queue, and the word lists."""

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..comments import changes
from ..comments.posting import DUPLICATE, Refused
from ..extensions import db
from ..keyset import newest_first
from ..models import Comment, CommentStatus, WordRule
from ..web import throttle
from ..web.htmx import is_htmx
from ..web.params import optional_id, parse_id
from ..web.redirects import safe_next
from . import auth, moderation
from .auth import login_manager
from .forms import ActionForm, CommentTextForm, LoginForm, WordListForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
QUEUES = {
    "pending": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "published": CommentStatus.PUBLISHED,
}
QUEUE_PAGE = 50


# Forms whose words must survive a session that ended while they were open (signed out
# in another tab, a new password, a long pause): endpoint -> what to answer instead of the
# sign-in page (admin/articles.py fills it).
KEEP_WORDS_WHEN_SIGNED_OUT: dict = {}


@bp.before_request
def require_login():
    """Every admin page but the sign-in page needs a signed-in owner."""
    if request.endpoint in ("admin.login", "admin.home") or current_user.is_authenticated:
        return None
    if request.method == "POST" and request.endpoint in KEEP_WORDS_WHEN_SIGNED_OUT:
        return KEEP_WORDS_WHEN_SIGNED_OUT[request.endpoint]()
    return login_manager.unauthorized()


bp.add_app_template_filter(moderation.actions_for, "moderation_actions")


@bp.after_request
def never_stored(response):
    """The owner's pages are for the owner alone: no cache keeps them."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in. Every attempt is counted before its password is checked, so a burst of
    parallel tries gets no more checks than the limit."""
    form = LoginForm()
    key = f"login:{throttle.client_fingerprint()}"
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    allowed = current_app.config["LOGIN_MAX_FAILURES"]
    if request.method == "POST" and form.validate():
        attempts = throttle.hit(key, window)
        db.session.commit()
    else:
        attempts = throttle.count(key, window)
    if attempts > allowed or (request.method == "GET" and attempts >= allowed):
        message = "Too many failed sign-in attempts. Please wait 15 minutes and try again."
        return render_template("admin/login.html", form=form, message=message), 429
    if request.method == "GET" or form.errors:
        return render_template("admin/login.html", form=form), 422 if form.errors else 200
    admin = auth.find_admin(form.username.data, form.password.data)
    if admin is None:
        message = "That username and password do not match."
        return render_template("admin/login.html", form=form, message=message), 401
    throttle.reset(key)
    db.session.commit()
    auth.sign_in(admin)
    target = request.args.get("next")
    return redirect(safe_next(target) if target else url_for("admin.queue"), 303)


@bp.post("/logout")
def logout():
    """Sign out, here and on every other device."""
    auth.sign_out(current_user)
    db.session.commit()
    return redirect(url_for("articles.index"), 303)


@bp.get("")
def home():
    """/admin to /admin/ with a relative Location: werkzeug's own slash redirect would name
    the host the request gave."""
    return redirect(url_for("admin.queue"), 308)


@bp.get("/")
def queue():
    """Pending or spam comments, newest first, with their article and an excerpt."""
    status = request.args.get("status", "pending")
    if status not in QUEUES:
        abort(404)
    stmt = (
        select(Comment).options(joinedload(Comment.article)).where(Comment.status == QUEUES[status])
    )
    comments, next_before = newest_first(
        stmt, Comment.created_at, Comment.id, optional_id("before"), QUEUE_PAGE
    )
    return render_template(
        "admin/queue.html",
        comments=comments,
        next_before=next_before,
        status=status,
        form=ActionForm(),
    )


def back_to_queue():
    target = request.form.get("back")
    return redirect(safe_next(target) if target else url_for("admin.queue"), 303)


@bp.post("/comments/<id:comment_id>/<action>")
def act(comment_id: int, action: str):
    """Approve, spam or delete one comment; the row updates in place under htmx."""
    if action not in moderation.ACTIONS:
        abort(404)
    changed = moderation.apply(action, [comment_id])
    if not changed:
        abort(404, description="That comment no longer exists.")
    db.session.commit()
    if not is_htmx():
        return back_to_queue()
    return render_template(
        "admin/_row.html",
        comment=changed[0],
        done=moderation.DONE[action],
        deleted=action == "delete",
        form=ActionForm(),
    )


def queued_comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status == CommentStatus.REMOVED:
        abort(404, description="That comment no longer exists.")
    return comment


@bp.route("/comments/<id:comment_id>/edit", methods=["GET", "POST"])
def edit(comment_id: int):
    """Change any comment's words, at any time (its status stays as it is)."""
    comment = queued_comment(comment_id)
    form = CommentTextForm(data={"body": comment.body})
    if form.validate_on_submit():
        try:
            changes.change_text(comment, form.body.data, by_owner=True)
        except Refused as refusal:
            form.body.errors.append(refusal.body_error or refusal.message)
        else:
            return back_to_queue()
    status = 422 if form.errors else 200
    return render_template("admin/edit.html", comment=comment, form=form, reply=False), status


@bp.route("/comments/<id:comment_id>/reply", methods=["GET", "POST"])
def reply(comment_id: int):
    """Answer a comment as the site's owner (marked "Author"); answering a held comment
    approves it."""
    comment = queued_comment(comment_id)
    form = CommentTextForm()
    if form.validate_on_submit():
        name = current_app.config["OWNER_NAME"] or comment.article.author
        try:
            changes.owner_reply(comment, form.body.data, name)  # stored (flushed) at once
            db.session.commit()
        except IntegrityError:  # the unique index: these words, to this comment, before
            db.session.rollback()
            form.body.errors.append(DUPLICATE)
        else:
            return back_to_queue()
    status = 422 if form.errors else 200
    return render_template("admin/edit.html", comment=comment, form=form, reply=True), status


@bp.post("/comments/bulk")
def bulk():
    """The same actions for every ticked comment."""
    action = request.form.get("action", "")
    ids = list(map(parse_id, request.form.getlist("ids")))
    if action not in moderation.ACTIONS:
        abort(400, description="Choose Approve, Spam or Delete.")
    if None in ids:
        abort(400, description="Some of the ticked comments are not ones this site has.")
    moderation.apply(action, ids)
    db.session.commit()
    return back_to_queue()


@bp.route("/words", methods=["GET", "POST"])
def words():
    """Edit the words that hold a comment for moderation or send it to spam."""
    form = WordListForm()
    if form.validate_on_submit():
        db.session.execute(delete(WordRule))
        for kind in ("hold", "block"):
            for word in {w.strip().lower() for w in getattr(form, kind).data.splitlines()}:
                if word:
                    db.session.add(WordRule(kind=kind, word=word[:100]))
        db.session.commit()
        return redirect(url_for("admin.words", saved=1), 303)
    rules = list(db.session.scalars(select(WordRule).order_by(WordRule.word)))
    if request.method == "GET":
        form.hold.data = "\n".join(r.word for r in rules if r.kind == "hold")
        form.block.data = "\n".join(r.word for r in rules if r.kind == "block")
    return render_template("admin/words.html", form=form, saved=request.args.get("saved"))
