"""Typed SQLAlchemy models: articles and their comments."""

from __future__ import annotations

import enum
import re
import time
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import (
    DDL,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    and_,
    bindparam,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .extensions import db
from .rendering import comment_to_html, cut_at_word, markdown_to_html, plain_text

# Every article's and tag's address: lower-case letters, digits and single hyphens. A path
# that is not one names nothing (and is never sent to the database: PostgreSQL refuses NUL).
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")  # \Z: no newline after the end


def utcnow() -> datetime:
    """Naive UTC, the form every timestamp is stored in (SQLite keeps no zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


_this_second: list = [None, None]


def this_second() -> datetime:
    """utcnow to the second, one object for the whole second: what decides whether readers
    may see an article, asked on every view (speed/hot_sql.py converts it once a second)."""
    now = int(time.time())
    if _this_second[0] != now:
        _this_second[:] = [now, datetime.fromtimestamp(now, UTC).replace(tzinfo=None)]
    return _this_second[1]


def only_filled(column: str) -> dict:
    """The options that make an index partial: rows where `column` is not NULL."""
    where = text(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}


class CommentStatus(enum.StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"
    SPAM = "spam"
    # Taken back (by its writer or the owner) while it has replies: its place stays, as
    # "This comment was removed.", so that the replies keep theirs; its words are gone.
    REMOVED = "removed"


class Article(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    copyright_year: Mapped[int]
    copyright_holder: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    is_published: Mapped[bool] = mapped_column(default=True)
    # Kept up to date on every change so that lists never count rows per request.
    comment_count: Mapped[int] = mapped_column(default=0)
    # Goes up whenever what a reader sees on the article page changes: the key for
    # ETags and for cached comment HTML, valid across every worker.
    revision: Mapped[int] = mapped_column(default=1)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The meta description, cut once when the article is saved (see _summarize).
    summary: Mapped[str] = mapped_column(Text, default="")
    # Where an imported article came from ("wordpress:<site>:<post id>"): importing the
    # same file again adds nothing twice.
    import_key: Mapped[str | None] = mapped_column(String(300))
    # The words of the body without markup: what search indexes and quotes.
    body_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # One more on every save by the owner: a save from a page that showed an older one
    # would overwrite changes it never saw, so it is refused (see articles/writing.py).
    edit_version: Mapped[int] = mapped_column(default=1, server_default="1")

    comments: Mapped[list[Comment]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True
    )
    tags: Mapped[list[Tag]] = relationship(secondary="article_tag", order_by="Tag.name")

    __table_args__ = (
        Index("ix_article_listing", "is_published", "published_at", "id"),
        Index("ux_article_import_key", "import_key", unique=True),
    )

    def set_body(self, markdown: str) -> None:
        """Store the Markdown, its sanitized HTML and its plain words, made once here."""
        self.body_markdown = markdown
        self.body_html = markdown_to_html(markdown)
        self.body_text = plain_text(self.body_html)

    @property
    def meta_description(self) -> str:
        return self.summary or cut_at_word(self.description or self.body_text)


@event.listens_for(Article, "before_insert")
@event.listens_for(Article, "before_update")
def _summarize(_mapper, _connection, article: Article) -> None:
    """The excerpt readers and search engines see, computed when saved, not per request."""
    article.summary = cut_at_word(article.description or article.body_text, 155)


# What readers may see: an article the owner published whose time has come. "Now" is taken
# as each query runs, so a scheduled article appears on its own, with no process running,
# and every cache keyed on what these queries return follows.
NOW = bindparam("now", type_=DateTime(), callable_=this_second)


def visible(article=Article):
    """Readers may see `article` (the model, or an alias of it, as in a subquery)."""
    return and_(article.is_published.is_(True), article.published_at <= NOW)


PUBLISHED = visible()


class Tag(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)  # its address: /tags/<slug>
    name: Mapped[str] = mapped_column(String(40))


article_tag = Table(
    "article_tag",
    db.metadata,
    Column("article_id", ForeignKey("article.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_article_tag_tag", "tag_id", "article_id"),
)


class OldSlug(db.Model):
    """A slug an article had before: its old addresses answer with a redirect, and no
    other article may take it."""

    __tablename__ = "old_slug"

    slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )


class ArchiveEdition(db.Model):
    """One row whose stamp changes, by triggers, whenever an article readers may see (before
    or after) is added, deleted, renamed, re-addressed, published, unpublished or re-dated,
    however it is written: an article page's version carries it, so that its previous/next
    links follow their neighbours (speed/pages.py). Triggers fire in every writer (the
    editor, imports, restores); a random stamp never repeats one from before a restore."""

    __tablename__ = "archive_edition"

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger, default=0)


event.listen(
    ArchiveEdition.__table__,
    "after_create",
    DDL("INSERT INTO archive_edition (id, stamp) VALUES (1, 0)"),
)

# What the article table needs beyond its columns, made by create_all (tests) and, as
# frozen copies, by migrations 0006 (search) and 0007 (the archive edition). On SQLite an
# FTS5 index of titles and words is kept by triggers, so that every way of writing an
# article keeps it current; PostgreSQL searches an expression index instead (see
# search/queries.py). The archive edition's triggers fire only for articles that readers
# may see, before or after the change (a draft's edits throw no cached page away).
SQLITE_SEARCH_DDL = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS article_search USING fts5(
        title, body_text, content='article', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS article_search_insert AFTER INSERT ON article BEGIN
        INSERT INTO article_search(rowid, title, body_text)
        VALUES (new.id, new.title, new.body_text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS article_search_delete AFTER DELETE ON article BEGIN
        INSERT INTO article_search(article_search, rowid, title, body_text)
        VALUES ('delete', old.id, old.title, old.body_text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS article_search_update
    AFTER UPDATE OF title, body_text ON article BEGIN
        INSERT INTO article_search(article_search, rowid, title, body_text)
        VALUES ('delete', old.id, old.title, old.body_text);
        INSERT INTO article_search(rowid, title, body_text)
        VALUES (new.id, new.title, new.body_text);
    END""",
)
SQLITE_ARCHIVE_DDL = (
    """CREATE TRIGGER IF NOT EXISTS article_archive_insert AFTER INSERT ON article
    WHEN new.is_published BEGIN
        UPDATE archive_edition SET stamp = random();
    END""",
    """CREATE TRIGGER IF NOT EXISTS article_archive_delete AFTER DELETE ON article
    WHEN old.is_published BEGIN
        UPDATE archive_edition SET stamp = random();
    END""",
    """CREATE TRIGGER IF NOT EXISTS article_archive_update
    AFTER UPDATE OF slug, title, is_published, published_at ON article
    WHEN old.is_published OR new.is_published BEGIN
        UPDATE archive_edition SET stamp = random();
    END""",
)
POSTGRES_SEARCH_DDL = (
    "CREATE INDEX IF NOT EXISTS ix_article_search ON article USING gin "
    "(to_tsvector('english', title || ' ' || body_text))",
)
POSTGRES_ARCHIVE_DDL = (
    """CREATE OR REPLACE FUNCTION archive_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        shown boolean;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            shown := NEW.is_published;
        ELSIF TG_OP = 'DELETE' THEN
            shown := OLD.is_published;
        ELSE
            shown := OLD.is_published OR NEW.is_published;
        END IF;
        IF shown THEN
            UPDATE archive_edition SET stamp = floor(random() * 9e18)::bigint;
        END IF;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS article_archive ON article",
    """CREATE TRIGGER article_archive
    AFTER INSERT OR DELETE OR UPDATE OF slug, title, is_published, published_at ON article
    FOR EACH ROW EXECUTE FUNCTION archive_changed()""",
)
for _statement in SQLITE_SEARCH_DDL + SQLITE_ARCHIVE_DDL:
    event.listen(Article.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRES_SEARCH_DDL + POSTGRES_ARCHIVE_DDL:
    event.listen(
        Article.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )


def described_by_models(name: str | None, _type: str, _parents: dict) -> bool:
    """For Alembic's comparisons: the search index is not a model (see above)."""
    return not (name or "").startswith(("article_search", "ix_article_search"))


event.listen(
    Article.__table__,
    "before_drop",
    DDL("DROP TABLE IF EXISTS article_search").execute_if(dialect="sqlite"),
)


class Comment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    author_name: Mapped[str] = mapped_column(String(80))
    author_email: Mapped[str] = mapped_column(String(254))
    author_url: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=CommentStatus.PUBLISHED)

    # Lower-cased email, to recognise a returning commenter; never shown.
    email_key: Mapped[str] = mapped_column(String(254), default="")
    # Hash of email and text: the same words from the same person are stored once per article.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Keyed hash of the poster's IP address; the address itself is never stored.
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    # The comment this one answers (threads come in with imports; a removed parent leaves
    # its replies in place).
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="SET NULL", name="fk_comment_parent_id")
    )
    # Where an imported comment came from ("wordpress:<site>:<comment id>", "disqus:<id>").
    import_key: Mapped[str | None] = mapped_column(String(300))
    # The thread: its top-level comment (None for a top-level one) and how deep this one
    # sits (0 at the top). Pages hold whole threads: top-level comments by key, then the
    # replies of those.
    root_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="SET NULL", name="fk_comment_root_id")
    )
    depth: Mapped[int] = mapped_column(default=0, server_default="0")
    edited_at: Mapped[datetime | None]
    # Posted by the site's owner while signed in: marked "Author" on its byline.
    by_owner: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A hash of the secret in its writer's own-comments cookie (edit and delete for a
    # while); the secret itself is never stored.
    owner_key: Mapped[str | None] = mapped_column(String(64))

    article: Mapped[Article] = relationship(back_populates="comments")

    __table_args__ = (
        # Top-level comments page by (created_at, id) within one article and status.
        Index("ix_comment_threads", "article_id", "status", "depth", "created_at", "id"),
        # Three columns are empty in most rows (a comment that starts a thread, one not
        # imported): their indexes hold only the filled ones, so a post writes three index
        # pages fewer. Every lookup by them names a value, which implies "IS NOT NULL".
        Index("ix_comment_root", "root_id", "created_at", "id", **only_filled("root_id")),
        Index("ux_comment_fingerprint", "article_id", "fingerprint", unique=True),
        Index("ix_comment_email_status", "email_key", "status"),
        Index("ix_comment_queue", "status", "created_at"),
        Index("ix_comment_parent", "parent_id", **only_filled("parent_id")),
        Index("ux_comment_import_key", "import_key", unique=True, **only_filled("import_key")),
        # SQLite would hand the id of a deleted newest comment to the next one: its
        # permalink would then show someone else's words, and polls count by id.
        {"sqlite_autoincrement": True},
    )

    @validates("author_email")
    def _keep_email_key(self, _key: str, value: str) -> str:
        self.email_key = email_key(value)
        return value

    def set_body(self, text: str) -> None:
        self.body = text
        self.body_html = comment_to_html(text)

    @property
    def anchor(self) -> str:
        return comment_anchor(self.id)


def thread_place(parent) -> tuple[int | None, int | None, int]:
    """parent_id, root_id and depth of a comment answering `parent` (None: a new thread)."""
    if parent is None:
        return None, None, 0
    return parent.id, parent.root_id or parent.id, parent.depth + 1


def email_key(email: str | None) -> str:
    """How a returning commenter is recognised: their email, lower-cased."""
    return (email or "").lower()


def comment_anchor(comment_id: int | None) -> str:
    return f"comment-{comment_id}"


class Throttle(db.Model):
    """A counter per key (a hashed IP, a login name) in a fixed time window.

    Kept in the database so that every worker and machine sees the same limits. On SQLite
    the rows live in their key's index alone (WITHOUT ROWID): a post counts itself with
    one page written, not two.
    """

    __table_args__ = {"sqlite_with_rowid": False}

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[datetime]
    hits: Mapped[int]


class WordRule(db.Model):
    """An admin-edited word: `hold` sends a comment to moderation, `block` to spam."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    word: Mapped[str] = mapped_column(String(100))


class AdminUser(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # One more each time the admin signs out or gets a new password: sessions that name
    # an older one are over (see admin/auth.py).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    def get_id(self) -> str:
        return f"{self.id}-{self.session_version}"


class Subscriber(db.Model):
    """An email address that asked for mail from the site (double opt-in).

    It gets notifications only once `confirmed_at` is set, by the link in a confirmation
    message; `confirmation_sent_at` keeps the form from mailing one address more than once
    a day. Unsubscribing from everything deletes its subscriptions and its confirmation.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # see mail/addresses.py
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    confirmation_sent_at: Mapped[datetime | None]

    # An id is never handed out again: an old unsubscribe link names a subscriber by id.
    __table_args__ = ({"sqlite_autoincrement": True},)


class SubscriptionKind(enum.StrEnum):
    REPLIES = "replies"  # replies to one comment (and the news that it was published)
    ARTICLE = "article"  # every new comment on one article, in digests


class Subscription(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the last digest for an article went out (at most one per MAIL_DIGEST_MINUTES).
    last_digest_at: Mapped[datetime | None]

    subscriber: Mapped[Subscriber] = relationship()

    __table_args__ = (
        Index("ux_subscription_comment", "comment_id", "subscriber_id", unique=True),
        Index("ux_subscription_article", "article_id", "subscriber_id", unique=True),
        Index("ix_subscription_subscriber", "subscriber_id"),
        {"sqlite_autoincrement": True},
    )


class DigestItem(db.Model):
    """A published comment waiting for the next digest of one article subscription:
    written in the same transaction that published the comment."""

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscription.id", ondelete="CASCADE"), primary_key=True
    )
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True
    )
    # Set when a digest listed it; kept, so that a comment approved again after an edit
    # is not listed twice.
    sent_at: Mapped[datetime | None]


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by one sender until `claimed_until`
    SENT = "sent"
    FAILED = "failed"
    # Not sent, as no longer wanted: its subscription stopped, or its comment unpublished.
    DROPPED = "dropped"


class OutboxMessage(db.Model):
    """One email, written in the transaction of the change that causes it, delivered by a
    sender (mail/sender.py) that claims it first, so that two senders never both send it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # Extra headers as JSON (List-Unsubscribe, Reply-To); Message-ID is its own column, so
    # that every try sends the same one.
    headers: Mapped[str] = mapped_column(Text, default="{}")
    message_id: Mapped[str] = mapped_column(String(200))
    # The comment it is about (none for a confirmation): a reply is announced once.
    comment_id: Mapped[int | None]
    # The subscription it serves: if that is stopped before it goes, it does not go.
    subscription_id: Mapped[int | None]
    # A keyed hash of the address of the client whose request caused it (confirmations
    # are limited per client).
    client_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Given up (marked failed) when a try fails after this.
    expires_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_kind_client", "kind", "client_key", "created_at"),
        Index("ix_outbox_comment", "comment_id", "kind"),
    )


class UsedKey(db.Model):
    """A single-use key that was used: the hash of a link from an email (approve, mark as
    spam), or the time window of a digest already written (two senders write it once)."""

    __tablename__ = "used_key"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
