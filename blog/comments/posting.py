"""Storing a comment: one short transaction of prepared statements (a hot path)."""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import Integer, bindparam, insert, select

from ..articles.revisions import record_change
from ..extensions import db
from ..mail import triggers
from ..models import (
    Article,
    Comment,
    CommentStatus,
    comment_anchor,
    email_key,
    thread_place,
    utcnow,
)
from ..rendering import comment_to_html
from ..speed import hot_sql
from ..web import throttle
from . import antispam
from .forms import CommentForm
from .own_comments import new_secret

FIX_FIELDS = "Your comment was not posted. Please correct the marked fields."
DUPLICATE = "You have already said that. Your earlier comment with these words is saved."
PARENT_GONE = (
    "The comment you answered was removed a moment ago, so your reply was not posted."
    " Your words are kept below."
)
TOO_QUICK = "You are posting too quickly. Please wait a few seconds and send it again."


@dataclass
class NewComment:
    """A comment as a post stores it: the columns of `Comment` by the model's own rules,
    without an ORM object (a post skips the ORM; building one cost 6% of a post)."""

    article_id: int
    author_name: str
    author_email: str
    author_url: str | None
    created_at: datetime
    status: str
    fingerprint: str
    ip_hash: str
    id: int | None = None
    body: str = ""
    body_html: str = ""
    parent_id: int | None = None
    import_key: str | None = None
    root_id: int | None = None
    depth: int = 0
    edited_at: datetime | None = None
    by_owner: bool = False
    owner_key: str | None = None
    secret: str = ""  # for the writer's cookie; only its hash (owner_key) is stored
    mail_heard: bool = True  # False: asked for email past the network's hourly allowance

    def set_body(self, text: str) -> None:
        self.body, self.body_html = text, comment_to_html(text)

    @property
    def email_key(self) -> str:
        return email_key(self.author_email)

    @property
    def anchor(self) -> str:
        return comment_anchor(self.id)


class Refused(Exception):
    """A post the database checks turned down; its transaction is rolled back whole."""

    def __init__(self, status: int, message: str, body_error: str | None = None):
        super().__init__(message)
        self.status, self.message, self.body_error = status, message, body_error


def store(
    article: Article, form: CommentForm, parent: Comment | None = None, by_owner: bool = False
) -> tuple[NewComment, int]:
    """Count the post for flood control, decide its status, insert it and keep the count.

    One short transaction of prebuilt statements on the request's connection (hot_sql):
    posting is a hot path. The comment is given its id for rendering. Returns it and the
    article's published count. A reply goes in `parent`'s thread; the owner's comments
    (`by_owner`) are published at once.
    """
    ip_hash = throttle.client_fingerprint()
    flood_seconds = current_app.config["COMMENT_FLOOD_SECONDS"]
    link = hot_sql.for_request()
    # The reads come before the transaction. SQLite's driver begins it at the first write,
    # so the write lock is held only for the three writes, and is never an upgrade from a
    # read (which fails at once instead of waiting).
    comment = new_comment(article, form, ip_hash, link, parent, by_owner)
    try:
        with hot_sql.transaction(link):
            # Counted in the write turn, so the window is measured as the post is stored
            # (not while it waited); with the limit at 0 nothing is counted or refused.
            if flood_seconds > 0 and throttle.hit(f"post:{ip_hash}", flood_seconds, link) > 1:
                raise Refused(429, TOO_QUICK)
            (comment.id,) = _INSERT.first(
                link, **{name: getattr(comment, key) for name, key in _INSERTED}
            )
            count = article.comment_count
            if comment.status == CommentStatus.PUBLISHED:
                count, _ = record_change(article.id, published_delta=1, link=link)
            # its mail, stored with it (see mail/outbox.py)
            comment.mail_heard = triggers.comment_stored(
                link, article, comment, bool(form.notify.data), comment.status
            )
    except hot_sql.integrity_error(db.engine):
        if parent is not None and _EXISTS.first(link, comment_id=parent.id) is None:
            raise Refused(422, PARENT_GONE) from None  # deleted while this was on its way
        raise Refused(422, FIX_FIELDS, DUPLICATE) from None  # the unique index: said before
    return comment, count


def new_comment(
    article: Article,
    form: CommentForm,
    ip_hash: str,
    link,
    parent: Comment | None = None,
    by_owner: bool = False,
) -> NewComment:
    """The comment as it will be stored, with its status decided by the site's rules."""
    secret, key = new_secret()
    status = CommentStatus.PUBLISHED
    if not by_owner:
        status = antispam.decide_status(
            form.name.data, form.email.data, form.website.data, form.body.data, link
        )
    comment = _from_form(article, form, parent, status=status, by_owner=by_owner)
    # Duplicates are refused by the unique index on (article, fingerprint).
    comment.fingerprint = antispam.fingerprint(form.email.data, form.body.data)
    comment.ip_hash, comment.owner_key, comment.secret = ip_hash, key, secret
    return comment


def _from_form(
    article: Article, form: CommentForm, parent: Comment | None, *, status: str, by_owner: bool
) -> NewComment:
    comment = NewComment(
        article_id=article.id,
        author_name=form.name.data,
        author_email=form.email.data,
        author_url=form.website.data or None,
        created_at=utcnow(),
        status=status,
        fingerprint="",
        ip_hash="",
        by_owner=by_owner,
    )
    comment.parent_id, comment.root_id, comment.depth = thread_place(parent)
    comment.set_body(form.body.data)
    return comment


_EXISTS = hot_sql.Prepared(
    select(Comment.id).where(Comment.id == bindparam("comment_id", type_=Integer()))
)
_COLUMNS = [column for column in Comment.__table__.columns if column.key != "id"]
_INSERTED = [(f"new_{column.key}", column.key) for column in _COLUMNS]  # (value, attribute)
_INSERT = hot_sql.Prepared(
    insert(Comment.__table__)
    .values({column: bindparam(f"new_{column.key}", type_=column.type) for column in _COLUMNS})
    .returning(Comment.__table__.c.id)
)


def preview_of(
    article: Article, form: CommentForm, parent: Comment | None, by_owner: bool = False
) -> NewComment:
    """The comment as it would look once posted, stored nowhere."""
    comment = _from_form(article, form, parent, status=CommentStatus.PUBLISHED, by_owner=by_owner)
    comment.id = 0
    return comment
