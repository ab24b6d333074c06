"""Reads of published articles, a page at a time by key."""

from sqlalchemy import Integer, bindparam, select

from ..extensions import db
from ..keyset import beyond
from ..models import PUBLISHED, Article
from ..speed.hot_sql import Prepared, for_request
from ..speed.pages import Version

# The order of every listing of articles (what readers may see: models.PUBLISHED).
NEWEST_FIRST = (Article.published_at.desc(), Article.id.desc())

# Built once: the article page runs this whenever its cached copy is out of date.
_PUBLISHED_BY_SLUG = select(Article).where(Article.slug == bindparam("slug"), PUBLISHED)


def published_article_or_none(slug: str) -> Article | None:
    return db.session.execute(_PUBLISHED_BY_SLUG, {"slug": slug}).scalar_one_or_none()


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


def article_page(before_id: int | None, limit: int) -> tuple[list[Article], int | None]:
    """Newest first; returns the page and the key of the next (older) page, if any."""
    stmt = _listing(Article, later_page=bool(before_id))
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
