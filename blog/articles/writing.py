"""Saving an article from the editor or a file: the rules both follow.

- An article's address never breaks: a changed slug keeps the old one (old_slug), whose
  requests are redirected (articles/moved.py), and no other article may take it.
- Two tabs editing one article: each save names the edit_version its page showed; a save
  from an older page is refused, so nobody overwrites changes they never saw.
- Status is what the owner chose; whether readers see it is decided by time as each
  query runs (models.PUBLISHED): a scheduled article appears on its own.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Article, Comment, OldSlug, Tag, article_tag, this_second, utcnow
from .forms import ArticleForm, Status, same_tag_name, slugify, tag_names, tag_slug
from .revisions import record_change

CONFLICT = (
    "This article was saved from another page (another tab, or someone else) after you "
    "opened this one, so your save was not stored: your text is still here. Copy what you "
    "need, then open the article again to see the newer version."
)


GONE = (
    "This article was deleted from another page after you opened this one, so your save "
    "was not stored: your text is still here. Save makes it a new article."
)
EXPIRED = (
    "This page was open longer than its security token lasts, so nothing was saved. Your "
    "text is still here: press Save again."
)


class Conflict(Exception):
    """The save came from a page showing an older version of the article."""


@dataclass(frozen=True)
class Saved:
    article: Article
    created: bool
    was_visible: bool  # to readers, before this save


def status_of(article: Article, now: datetime | None = None) -> str:
    if not article.is_published:
        return Status.DRAFT
    return Status.SCHEDULED if article.published_at > (now or this_second()) else Status.PUBLISHED


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_utc(local: datetime) -> datetime:
    """A time the owner typed, in the site's time zone, as stored (naive UTC); of a time
    that happens twice (the clocks going back), the first."""
    return local.replace(tzinfo=_zone(), fold=0).astimezone(UTC).replace(tzinfo=None)


def to_local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(_zone()).replace(tzinfo=None)


def clock_problem(local: datetime) -> str | None:
    """Why a time typed in the site's time zone does not name one moment, if it does not."""
    first, second = (local.replace(tzinfo=_zone(), fold=fold) for fold in (0, 1))
    if first.utcoffset() == second.utcoffset():
        return None
    if to_local(to_utc(local)) != local:
        return "The clocks skip this time here (they go forward): choose another."
    return "This time happens twice here (the clocks go back): choose one an hour away."


def _as_shown(article: Article) -> datetime:
    """The article's publish time as the editor shows it (in minutes)."""
    return to_local(article.published_at).replace(second=0, microsecond=0)


def _publish_time(form: ArticleForm, article: Article | None) -> datetime:
    """What the form says, as stored: the stored time itself while the field still shows
    it (the field has no seconds, and a time that happens twice is shown once)."""
    chosen = form.publish_at.data
    if chosen is None:
        return utcnow().replace(microsecond=0)
    if (exact := getattr(form, "exact_utc", None)) is not None:
        return exact  # a file's date with its offset (articles/publishing.py)
    if article is not None and article.published_at is not None and chosen == _as_shown(article):
        return article.published_at
    return to_utc(chosen)


def fill_form(form: ArticleForm, article: Article) -> None:
    """The editor's fields for a stored article."""
    form.title.data = article.title
    form.slug.data = article.slug
    form.author.data = article.author
    form.description.data = article.description
    form.body.data = article.body_markdown
    form.tags.data = ", ".join(tag.name for tag in article.tags)
    form.copyright_year.data = article.copyright_year
    form.copyright_holder.data = article.copyright_holder
    form.status.data = form.shown_status.data = status_of(article)
    # A draft's time is only when it was last saved: empty, so that publishing it is "now".
    form.publish_at.data = None if not article.is_published else _as_shown(article)
    form.edit_version.data = str(article.edit_version)


def slug_owner(slug: str) -> int | None:
    """The article that has or had `slug`, if any."""
    current = db.session.scalar(select(Article.id).where(Article.slug == slug))
    if current is not None:
        return current
    return db.session.scalar(select(OldSlug.article_id).where(OldSlug.slug == slug))


def check(form: ArticleForm, article: Article | None) -> bool:
    """The form's own validation, then the rules that need the database and the clock.
    Errors go on the fields; returns whether the form may be saved."""
    valid = form.validate()
    own_id = article.id if article is not None else None
    if form.slug.data and not form.slug.errors:
        owner = slug_owner(form.slug.data)
        if owner is not None and owner != own_id:
            form.slug.errors.append(
                "Another article has or had this address; its links must keep working. "
                "Choose another."
            )
    elif not form.slug.data and form.title.data and not slugify(form.title.data):
        form.slug.errors.append("The title has no letters A to Z or digits: type an address.")
    when = form.publish_at.data
    unchanged = article is not None and when is not None and when == _as_shown(article)
    exact = getattr(form, "exact_utc", None) is not None  # a file's time with its offset
    problem = clock_problem(when) if when is not None and not unchanged and not exact else None
    if problem and not form.publish_at.errors:
        form.publish_at.errors.append(problem)
    if not form.publish_at.errors:
        later = _publish_time(form, article) > utcnow() if when is not None else False
        came = unchanged and form.shown_status.data == Status.SCHEDULED
        if form.status.data == Status.SCHEDULED and not later and came:
            form.status.data = Status.PUBLISHED  # its time came while the page was open
        elif form.status.data == Status.SCHEDULED and not later:
            form.publish_at.errors.append("A scheduled article needs a publish time in the future.")
        elif form.status.data == Status.PUBLISHED and later:
            form.publish_at.errors.append(
                "That time is in the future: choose Scheduled, or leave the time empty to "
                "publish now."
            )
    if not form.tags.errors and (taken := _tag_taken(tag_names(form.tags.data))):
        form.tags.errors.append(taken)
    return valid and not form.slug.errors and not form.publish_at.errors and not form.tags.errors


def _tag_taken(names: list[str]) -> str | None:
    """A tag whose address belongs to a tag of another name (not only in case or width)."""
    for name in names:
        other = db.session.scalar(select(Tag).where(Tag.slug == tag_slug(name)))
        if other is not None and not same_tag_name(other.name, name):
            return (
                f"“{name}” would share an address (/tags/{other.slug}) with the tag "
                f"“{other.name}”: use that tag, or another name."
            )
    return None


def _free_slug(title: str, own_id: int | None) -> str:
    """An address from the title, numbered if another article has or had it."""
    base = slugify(title)
    slug, number = base, 1
    while (owner := slug_owner(slug)) is not None and owner != own_id:
        number += 1
        slug = f"{base[: 200 - len(str(number)) - 1]}-{number}"
    return slug


def _claim_version(article: Article, seen: str | None) -> None:
    """One more edit_version, only if it is still the one the page showed: done in SQL,
    so two saves at the same moment cannot both pass."""
    if not re.fullmatch(r"[0-9]{1,9}", seen or ""):
        raise Conflict  # not a version this site wrote
    claimed = db.session.execute(
        update(Article)
        .where(Article.id == article.id, Article.edit_version == int(seen))
        .values(edit_version=Article.edit_version + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Conflict
    db.session.refresh(article, ["edit_version"])


def _set_slug(article: Article, slug: str) -> None:
    if article.slug and article.slug != slug:
        db.session.add(OldSlug(slug=article.slug, article_id=article.id))
    db.session.execute(delete(OldSlug).where(OldSlug.slug == slug))  # its own, taken back
    article.slug = slug


def _set_tags(article: Article, names: list[str]) -> None:
    tags = []
    for name in names:
        slug = tag_slug(name)
        tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
        if tag is None:
            tag = Tag(slug=slug, name=name)
            db.session.add(tag)
        elif tag.name != name:  # "javascript" written "JavaScript": the tag's new name,
            tag.name = name  # on every article that has it, whose pages must show it
            for tagged_id in db.session.scalars(
                select(article_tag.c.article_id).where(article_tag.c.tag_id == tag.id)
            ):
                record_change(tagged_id)
        tags.append(tag)
    article.tags = tags


def shared_tag(known: dict[str, Tag], name: str) -> Tag:
    """The tag `name` is, among `known` ones (by address), made and kept there if new: for
    writing many articles at once (the demo, an import)."""
    slug = tag_slug(name)
    if slug not in known:
        known[slug] = Tag(slug=slug, name=name)
    return known[slug]


def forget_unused_tags() -> None:
    db.session.flush()
    db.session.execute(delete(Tag).where(~exists().where(article_tag.c.tag_id == Tag.id)))


def save(form: ArticleForm, article: Article | None = None) -> Saved:
    """Store a checked form (see `check`), in the session's transaction; the caller
    commits. Raises Conflict, or IntegrityError if another save took the slug meanwhile."""
    created = article is None
    was_visible = not created and status_of(article) == Status.PUBLISHED
    if article is None:
        article = Article()
    else:
        _claim_version(article, form.edit_version.data)
    slug = form.slug.data or _free_slug(form.title.data, article.id)
    article.title = form.title.data
    article.author = form.author.data
    article.description = form.description.data or ""
    article.set_body(form.body.data)
    published_at = _publish_time(form, None if created else article)
    article.published_at = published_at
    article.is_published = form.status.data != Status.DRAFT
    article.copyright_year = form.copyright_year.data or to_local(published_at).year
    article.copyright_holder = form.copyright_holder.data or form.author.data
    if created:
        article.slug = slug
        db.session.add(article)
        db.session.flush()
    else:
        _set_slug(article, slug)
    _set_tags(article, tag_names(form.tags.data))
    db.session.flush()
    forget_unused_tags()
    if not created:
        record_change(article.id)  # every cached copy of its pages is now stale
    return Saved(article, created, was_visible)


def save_or_explain(form: ArticleForm, article: Article | None = None) -> Saved | None:
    """`save` and commit; on a lost race for the slug, the error goes on the field."""
    try:
        saved = save(form, article)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.slug.errors.append("Another article took this address a moment ago. Choose another.")
        return None
    return saved


def comment_count(article: Article) -> int:
    """Every comment the article has, whatever its status (deleting it deletes them all)."""
    return db.session.scalar(select(func.count(Comment.id)).where(Comment.article_id == article.id))
