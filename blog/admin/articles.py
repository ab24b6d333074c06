"""The owner's writing desk: the list of articles, new and edit pages with a live
preview, unpublish and delete. Every page works without JavaScript; htmx only makes the
preview follow the typing."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ..articles import writing
from ..articles.forms import ArticleForm, Status
from ..articles.revisions import record_change
from ..extensions import db
from ..keyset import newest_first
from ..models import PUBLISHED, Article, this_second
from ..rendering import markdown_to_html
from ..web.htmx import is_htmx
from ..web.params import optional_id
from ..web.security import long_form
from .forms import ActionForm
from .views import KEEP_WORDS_WHEN_SIGNED_OUT, bp

LIST_PAGE = 50
FILTERS = ("all", "drafts", "scheduled", "published")


def _filter(name: str):
    """The articles a tab lists (our clock decides, as for readers: models.PUBLISHED)."""
    if name == "drafts":
        return Article.is_published.is_(False)
    if name == "scheduled":
        return Article.is_published.is_(True) & (Article.published_at > this_second())
    return PUBLISHED if name == "published" else None


@bp.get("/articles")
def articles():
    shown = request.args.get("show", "all")
    if shown not in FILTERS:
        abort(404)
    statement = select(Article)
    if (condition := _filter(shown)) is not None:
        statement = statement.where(condition)
    page, next_before = newest_first(
        statement, Article.published_at, Article.id, optional_id("before"), LIST_PAGE
    )
    return render_template(
        "admin/articles/list.html",
        articles=page,
        shown=shown,
        next_before=next_before,
        status_of=writing.status_of,
        now=this_second(),
    )


def _article_or_404(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None:
        abort(404, description="There is no such article (it may have been deleted).")
    return article


def _desk(form: ArticleForm, article: Article | None, status: int = 200, **extra):
    return (
        render_template(
            "admin/articles/edit.html",
            form=form,
            article=article,
            preview_html=_preview_of(form) if form.body.data else None,
            status_of=writing.status_of,
            expired=writing.EXPIRED,
            **extra,
        ),
        status,
    )


def _preview_of(form: ArticleForm) -> str:
    return markdown_to_html(form.body.data or "")


def _saved_message(saved: writing.Saved) -> str:
    article, state = saved.article, writing.status_of(saved.article)
    if state == Status.DRAFT:
        return f"Saved “{article.title}” as a draft. Readers cannot see it."
    if state == Status.SCHEDULED:
        return f"Scheduled “{article.title}”: it appears on its own at the publish time."
    if saved.was_visible:
        return f"Saved “{article.title}”. Readers see the changes now."
    return f"Published “{article.title}”."


def _save_from(form: ArticleForm, article: Article | None):
    """A POST of the editor: preview it, refuse it with reasons, or save it."""
    if request.form.get("action") == "preview":
        return _desk(form, article, previewing=True)  # nothing stored: nothing to check
    if not writing.check(form, article):
        return _desk(form, article, 422)
    try:
        saved = writing.save_or_explain(form, article)
    except writing.Conflict:
        db.session.rollback()
        return _desk(form, article, 409, conflict=writing.CONFLICT)
    if saved is None:
        return _desk(form, article, 422)
    flash(_saved_message(saved))
    return redirect(url_for("admin.edit_article", article_id=saved.article.id), 303)


def _new_form() -> ArticleForm:
    form = ArticleForm()
    if request.method == "GET":
        # The owner's usual byline: the newest article's, else OWNER_NAME.
        newest = db.session.scalar(select(Article).order_by(Article.id.desc()).limit(1))
        form.author.data = newest.author if newest else current_app.config["OWNER_NAME"]
        form.copyright_holder.data = newest.copyright_holder if newest else ""
    return form


@bp.route("/articles/new", methods=["GET", "POST"])
@long_form
def new_article():
    form = _new_form()
    if request.method == "POST":
        return _save_from(form, None)
    return _desk(form, None)


@bp.route("/articles/<id:article_id>/edit", methods=["GET", "POST"])
@long_form
def edit_article(article_id: int):
    article = db.session.get(Article, article_id)
    form = ArticleForm()
    if article is None and request.method == "POST":  # deleted from another page meanwhile
        form.slug.data = form.edit_version.data = ""
        return _desk(form, None, 409, conflict=writing.GONE)
    article = _article_or_404(article_id)
    if request.method == "POST":
        return _save_from(form, article)
    writing.fill_form(form, article)
    return _desk(form, article)


@bp.post("/articles/preview")
@long_form
def preview_article():
    """The rendered text beside the editor, as readers will see it (htmx, as one types)."""
    form = ArticleForm()  # its filters clean what was typed; errors are the save's to show
    if not is_htmx():
        abort(400)
    return render_template(
        "admin/articles/_preview.html", form=form, preview_html=_preview_of(form)
    )


@bp.post("/articles/<id:article_id>/unpublish")
def unpublish_article(article_id: int):
    article = _article_or_404(article_id)
    if not ActionForm().validate():
        abort(400)
    article.is_published = False
    article.edit_version += 1  # an editor page opened before now would publish it again
    record_change(article.id)
    db.session.commit()
    flash(f"“{article.title}” is a draft again: readers cannot see it.")
    return redirect(url_for("admin.edit_article", article_id=article.id), 303)


@bp.route("/articles/<id:article_id>/delete", methods=["GET", "POST"])
def delete_article(article_id: int):
    article = _article_or_404(article_id)
    count = writing.comment_count(article)
    form = ActionForm()
    if request.method == "POST" and form.validate():
        title = article.title
        db.session.delete(article)
        writing.forget_unused_tags()
        db.session.commit()
        comments = "no comments" if count == 0 else f"its {count:,} comment" + "s" * (count != 1)
        flash(f"Deleted “{title}” and {comments}.")
        return redirect(url_for("admin.articles"), 303)
    return render_template("admin/articles/delete.html", article=article, count=count, form=form)


SIGNED_OUT = (
    "You are signed out (from another tab, or after a long pause), so nothing was saved. "
    "Your text is still here: sign in again in another tab, then press Save."
)


def _signed_out():
    """A save or preview sent after the session ended: only the words it sent come back
    (no stored article is read), with nothing stored."""
    form = ArticleForm()
    if request.endpoint == "admin.preview_article":
        return render_template("admin/articles/_signed_out.html", message=SIGNED_OUT)
    return _desk(form, None, 401, signed_out=SIGNED_OUT, action=request.path)


for _endpoint in ("admin.new_article", "admin.edit_article", "admin.preview_article"):
    KEEP_WORDS_WHEN_SIGNED_OUT[_endpoint] = _signed_out
