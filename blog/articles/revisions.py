"""Every change a reader could see on an article's page bumps its revision, which keys
every cached copy of that page (see speed/pages.py)."""

from sqlalchemy import DateTime, Integer, bindparam, update

from ..models import Article, utcnow
from ..speed.hot_sql import Link, Prepared, in_session


def record_change(
    article_id: int, published_delta: int = 0, link: Link | None = None
) -> tuple[int, int]:
    """Note a reader-visible change to an article's page, in the caller's transaction
    (on `link`, else the session's).

    Done in SQL so that concurrent writers never lose an increment; returns the new count
    and revision.
    """
    count, revision = _RECORD_CHANGE.first(
        link or in_session(), article_id=article_id, delta=published_delta, now=utcnow()
    )
    return count, revision


_RECORD_CHANGE = Prepared(
    update(Article.__table__)
    .where(Article.id == bindparam("article_id", type_=Integer()))
    .values(
        comment_count=Article.comment_count + bindparam("delta", type_=Integer()),
        revision=Article.revision + 1,
        changed_at=bindparam("now", type_=DateTime()),
        updated_at=bindparam("now", type_=DateTime()),  # its onupdate runs only in SQLAlchemy
    )
    .returning(Article.comment_count, Article.revision)
)
