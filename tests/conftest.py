"""Fixtures: a fresh database per test, CSRF on, and clients with and without htmx."""

import os
import re
from datetime import datetime

import pytest

from blog import create_app
from blog.extensions import db
from blog.models import Article, Comment, CommentStatus

TOKEN = re.compile(r'name="(?:comment-)?csrf_token"[^>]*value="([^"]+)"')


def database_uri(tmp_path) -> str:
    """SQLite in a temporary folder, or the server named by TEST_DATABASE_URI (PostgreSQL)."""
    return os.environ.get("TEST_DATABASE_URI") or f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_uri(tmp_path),
            "SITE_NAME": "Test Notes",
            "SITE_PUBLISHER": "Test Notes Publishing",
            "COMMENTS_PER_PAGE": 3,
            "ARTICLES_PER_PAGE": 2,
            "TIMEZONE": "UTC",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class HtmxClient:
    """A test client that sends HX-Request: true, as htmx does."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        method = getattr(self._client, name)
        if name not in {"get", "post", "put", "delete", "patch"}:
            return method

        def call(*args, headers=None, **kwargs):
            return method(*args, headers={"HX-Request": "true", **(headers or {})}, **kwargs)

        return call


@pytest.fixture
def htmx_client(client):
    return HtmxClient(client)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


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
    from datetime import timedelta

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
    db.session.commit()


@pytest.fixture
def article(app):
    with app.app_context():
        article = make_article()
        return article.slug


def csrf_token(client, path="/") -> str:
    """A valid token, read from a rendered form as a browser would."""
    html = client.get(path).get_data(as_text=True)
    match = TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def comment_data(token: str, **overrides) -> dict:
    data = {
        "comment-csrf_token": token,
        "comment-name": "Grace Reader",
        "comment-email": "grace@example.com",
        "comment-website": "",
        "comment-body": "A thoughtful reply.\n\nWith a second paragraph.",
    }
    data.update({f"comment-{k}": v for k, v in overrides.items()})
    return data
