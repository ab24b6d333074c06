"""Reads of published articles, a page at a time by key."""

from sqlalchemy import Integer, bindparam, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..keyset import beyond, newest_first
from ..models import PUBLISHED, SLUG, Article, Tag, article_tag
from ..speed.hot_sql import Prepared, for_request
from ..speed.pages import Version
from .forms import is_tag_slug

# The order of every listing of articles (what readers may see: models.PUBLISHED).
NEWEST_FIRST = (Article.published_at.desc(), Article.id.desc())
OLDEST_FIRST = (Article.published_at.asc(), Article.id.asc())
WITH_TAGS = selectinload(Article.tags)  # pages show them; snapshots are read detached

# Built once: the article page runs this whenever its cached copy is out of date.
_PUBLISHED_BY_SLUG = (
    select(Article)
    .where(Article.slug == bindparam("slug"), PUBLISHED)
    .options(joinedload(Article.tags))  # one article: no second statement for its tags
)


def published_article_or_none(slug: str) -> Article | None:
    if not SLUG.match(slug):
        return None
    return db.session.execute(_PUBLISHED_BY_SLUG, {"slug": slug}).unique().scalar_one_or_none()


def _listing(*columns, later_page: bool):
    """Published articles newest first, `size` of them; on a later page, those older than
    the article `before_id`."""
    stmt = select(*columns).where(PUBLISHED)
    if later_page:
        before_id = bindparam("before_id", type_=Integer())
        stmt = stmt.where(beyond(Article.published_at, Article.id, before_id, older=True))
    return stmt.order_by(*NEWEST_FIRST).limit(bindparam("size", type_=Integer()))


def published_articles(limit: int | None = None) -> list[Article]:
    """Every published article, or the newest `limit`, newest first (feeds, the sitemap)."""
    return list(
        db.session.scalars(select(Article).where(PUBLISHED).order_by(*NEWEST_FIRST).limit(limit))
    )


def neighbours(article: Article) -> tuple[Article | None, Article | None]:
    """The articles readers see just before and just after `article`, in one statement
    (its page links to them; speed/pages.Version changes whenever they may)."""

    def nearest(older: bool):
        after = beyond(
            Article.published_at, Article.id, article.id,
            older=older, anchor_time=article.published_at,
        )  # fmt: skip
        order = NEWEST_FIRST if older else OLDEST_FIRST
        return select(Article.id).where(PUBLISHED, after).order_by(*order).limit(1).subquery()

    both = union_all(*(select(nearest(older).c.id) for older in (True, False)))
    found = db.session.scalars(select(Article).where(Article.id.in_(both)))
    place = (article.published_at, article.id)
    older = newer = None
    for other in found:
        if (other.published_at, other.id) < place:
            older = other
        else:
            newer = other
    return older, newer


def tag_or_none(slug: str) -> Tag | None:
    if len(slug) > 60 or not is_tag_slug(slug):
        return None  # never a tag's address (PostgreSQL would refuse a NUL in it, too)
    return db.session.scalar(select(Tag).where(Tag.slug == slug))


def readers_see(article_id: int) -> bool:
    """Is `article_id` an article readers may see (a page may start after it)?"""
    visible = select(Article.id).where(Article.id == article_id, PUBLISHED)
    return db.session.scalar(visible) is not None


def tag_shows(tag: Tag) -> bool:
    """Has `tag` an article readers may see? (A draft's tags are nobody's business.)"""
    tagged = select(article_tag.c.article_id).join(Article, Article.id == article_tag.c.article_id)
    return (
        db.session.scalar(tagged.where(article_tag.c.tag_id == tag.id, PUBLISHED).limit(1))
        is not None
    )


def tagged_page(tag: Tag, before_id: int | None, limit: int):
    """Published articles with `tag`, newest first, a page at a time by key."""
    tagged = (
        select(Article)
        .join(article_tag, article_tag.c.article_id == Article.id)
        .where(article_tag.c.tag_id == tag.id, PUBLISHED)
        .options(WITH_TAGS)
    )
    return newest_first(tagged, Article.published_at, Article.id, before_id, limit)


def article_page(before_id: int | None, limit: int) -> tuple[list[Article], int | None]:
    """Newest first; returns the page and the key of the next (older) page, if any."""
    stmt = _listing(Article, later_page=bool(before_id)).options(WITH_TAGS)
    rows = list(db.session.scalars(stmt, {"before_id": before_id, "size": limit + 1}))
    page = rows[:limit]
    return page, (page[-1].id if len(rows) > limit else None)


# The versions of the articles a home page shows: every change to one (its title, text or
# comment count) bumps its revision, so together they key that page's cached HTML.
_VERSIONS = {
    later_page: Prepared(
        _listing(Article.id, Article.revision, Article.changed_at, later_page=later_page)
    )
    for later_page in (False, True)
}


def article_page_versions(before_id: int | None, limit: int) -> tuple[Version, ...]:
    """The versions of the articles `article_page` would return, and of the one after them
    (whether there is a next page shows on the page too)."""
    rows = _VERSIONS[bool(before_id)].all(for_request(), before_id=before_id, size=limit + 1)
    return tuple(Version(*row) for row in rows)
