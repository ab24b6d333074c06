"""Test data and form helpers shared by the unit and browser suites."""

import os
import re
from datetime import datetime, timedelta

from blog.extensions import db
from blog.models import Article, Comment, CommentStatus

# The article make_article() creates by default, as readers address it.
ARTICLE = "/articles/a-quiet-article"


def database_uri(tmp_path) -> str:
    """SQLite in a temporary folder, or the server named by TEST_DATABASE_URI (PostgreSQL)."""
    return os.environ.get("TEST_DATABASE_URI") or f"sqlite:///{tmp_path / 'test.sqlite3'}"


def make_article(slug="a-quiet-article", title="A Quiet Article", **fields) -> Article:
    body = fields.pop("body", "First paragraph of the article.\n\nSecond one.")
    article = Article(
        slug=slug,
        title=title,
        author=fields.pop("author", "Ada Writer"),
        description=fields.pop("description", ""),
        copyright_year=fields.pop("copyright_year", 2007),
        copyright_holder=fields.pop("copyright_holder", "Ada Writer"),
        published_at=fields.pop("published_at", datetime(2007, 12, 1, 9, 0)),
        **fields,
    )
    article.set_body(body)
    db.session.add(article)
    db.session.commit()
    return article


def add_comments(article: Article, count: int, start=datetime(2008, 1, 1, 10, 0), **fields):
    for n in range(count):
        comment = Comment(
            article_id=article.id,
            author_name=f"Reader {n + 1}",
            author_email=f"reader{n + 1}@example.com",
            created_at=start + timedelta(minutes=n),
            status=fields.get("status", CommentStatus.PUBLISHED),
        )
        comment.set_body(f"Comment number {n + 1}.")
        db.session.add(comment)
    if fields.get("status", CommentStatus.PUBLISHED) == CommentStatus.PUBLISHED:
        article.comment_count += count
    article.revision += 1  # as every change made through the app does
    db.session.commit()


TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path="/admin/login") -> str:
    """A valid admin form token, read from a rendered form as a browser would."""
    html = client.get(path).get_data(as_text=True)
    match = TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


STARTED = re.compile(r'name="comment-started" type="hidden" value="([^"]*)"')


def form_tokens(client, path) -> dict:
    """The comment form's hidden field (its signed start time), as a browser would send it."""
    html = client.get(path).get_data(as_text=True)
    return {"comment-started": STARTED.search(html).group(1)}


def comment_data(hidden: dict | None = None, **overrides) -> dict:
    data = {
        **(hidden or {}),
        "comment-name": "Grace Reader",
        "comment-email": "grace@example.com",
        "comment-website": "",
        "comment-body": "A thoughtful reply.\n\nWith a second paragraph.",
    }
    data.update({f"comment-{k}": v for k, v in overrides.items()})
    return data
