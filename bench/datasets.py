"""Benchmark data: a small blog, and a big one (10,000 articles, one 100,000-comment thread)."""

from datetime import datetime, timedelta

from sqlalchemy import insert

from blog import create_app
from blog.extensions import db
from blog.models import Article, Comment
from blog.rendering import comment_to_html, markdown_to_html

THREAD = "bench-thread"
BODY = "A reply of a typical length. It says one thing, then another, then stops. " * 2
START = datetime(2010, 1, 1)


def _article_rows(count: int, thread_comments: int) -> list[dict]:
    html = markdown_to_html(
        "A short article body.\n\n" + "Ordinary prose, sentence after sentence. " * 30
    )
    rows = []
    for n in range(count):
        is_thread = n == count - 1  # the newest article holds the long thread
        rows.append(
            {
                "slug": THREAD if is_thread else f"article-{n}",
                "title": "The Benchmark Thread" if is_thread else f"Article number {n}",
                "author": "Bench Writer",
                "description": "",
                "body_markdown": "",
                "body_html": html,
                "copyright_year": 2010,
                "copyright_holder": "Bench Writer",
                "published_at": START + timedelta(hours=n),
                "updated_at": START,
                "changed_at": START,
                "is_published": True,
                "comment_count": thread_comments if is_thread else 0,
                "revision": 1,
                "summary": "Ordinary prose, sentence after sentence.",
            }
        )
    return rows


def build(path, articles: int, comments: int) -> None:
    """Create the database at `path` with the given shape, quickly (bulk inserts)."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    html = comment_to_html(BODY)
    with app.app_context():
        db.create_all()
        db.session.execute(insert(Article), _article_rows(articles, comments))
        thread_id = db.session.scalar(db.select(Article.id).where(Article.slug == THREAD))
        batch = []
        for n in range(comments):
            batch.append(
                {
                    "article_id": thread_id,
                    "author_name": f"Reader {n}",
                    "author_email": f"reader{n}@example.com",
                    "email_key": f"reader{n}@example.com",
                    "body": BODY,
                    "body_html": html,
                    "created_at": START + timedelta(minutes=n),
                    "status": "published",
                    "fingerprint": f"bench-{n}",
                }
            )
            if len(batch) == 10_000:
                db.session.execute(insert(Comment), batch)
                batch = []
        if batch:
            db.session.execute(insert(Comment), batch)
        db.session.commit()
        db.engine.dispose()


def comment_id_at(path, position: int) -> int:
    """The id of the thread's comment at `position` (1-based, oldest first)."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT c.id FROM comment c JOIN article a ON a.id = c.article_id "
            "WHERE a.slug = ? ORDER BY c.created_at, c.id LIMIT 1 OFFSET ?",
            (THREAD, position - 1),
        ).fetchone()[0]
