"""Fixtures: a fresh database per test, CSRF on, and clients with and without htmx."""

import os

import flask_migrate
import pytest
from support import database_uri, make_article

from blog import create_app
from blog.extensions import db

# Every app a test makes keeps its mail in the outbox (no sender thread, no real server),
# unless the test itself says otherwise (tests/test_mail.py).
os.environ.setdefault("FLASK_MAIL_SENDER", "worker")
os.environ.setdefault("FLASK_MAIL_BACKEND", "locmem")


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SITE_URL": "http://localhost",  # the test client's host
            "SQLALCHEMY_DATABASE_URI": database_uri(tmp_path),
            "SITE_NAME": "Test Notes",
            "SITE_PUBLISHER": "Test Notes Publishing",
            "COMMENTS_PER_PAGE": 3,
            "ARTICLES_PER_PAGE": 2,
            "TIMEZONE": "UTC",
            # Anti-spam rules have their own tests; elsewhere they stay out of the way.
            "COMMENT_MIN_FILL_SECONDS": 0,
            "COMMENT_FLOOD_SECONDS": 0,
            "COMMENT_MODERATION": "none",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        flask_migrate.stamp()  # what the migrations make (test_migrations proves it)
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


@pytest.fixture
def article(app):
    with app.app_context():
        article = make_article()
        return article.slug
