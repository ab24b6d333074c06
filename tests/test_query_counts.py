"""A constant, small number of SQL statements per request, whatever the size of the data."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event
from support import add_comments, comment_data, form_tokens, make_article

from blog.extensions import db

ARTICLE = "/articles/a-quiet-article"


@contextmanager
def counted(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def build(app, articles: int, comments: int) -> None:
    from datetime import datetime, timedelta

    with app.app_context():
        for n in range(articles - 1):
            make_article(
                f"filler-{n}", f"Filler {n}", published_at=datetime(2001, 1, 1) + timedelta(days=n)
            )
        add_comments(make_article(), comments)


def requests_and_counts(app, client, htmx_client) -> dict[str, int]:
    counts = {}
    client.get(ARTICLE)  # a session exists, as it would for a returning reader
    for name, call in {
        "home": lambda: client.get("/"),
        "home page 2": lambda: client.get("/?before=3"),
        "article": lambda: client.get(ARTICLE),
        "comment page": lambda: htmx_client.get(ARTICLE + "/comments?after=2"),
        "later comment page": lambda: client.get(ARTICLE + "/comments?after=10"),
    }.items():
        with counted(app) as statements:
            assert call().status_code == 200
        counts[name] = len(statements)
    tokens = form_tokens(client, ARTICLE)
    with counted(app) as statements:
        posted = htmx_client.post(ARTICLE + "/comments", data=comment_data(tokens))
        assert posted.status_code == 200, posted.get_data(as_text=True)
    counts["post"] = len(statements)
    return counts


@pytest.mark.parametrize("size", [(3, 12), (40, 400)])
def test_statements_per_request_are_few_and_do_not_grow(app, client, htmx_client, size):
    app.config["COMMENT_MODERATION"] = "first-time"
    build(app, *size)
    counts = requests_and_counts(app, client, htmx_client)
    limits = {
        "home": 2,
        "home page 2": 2,
        "article": 3,
        "comment page": 3,
        "later comment page": 3,
        "post": 12,
    }
    for name, limit in limits.items():
        assert counts[name] <= limit, (name, counts[name])
    test_statements_per_request_are_few_and_do_not_grow.seen.setdefault("all", []).append(counts)
    seen = test_statements_per_request_are_few_and_do_not_grow.seen["all"]
    if len(seen) == 2:
        assert seen[0] == seen[1], "statement counts grew with the data"


test_statements_per_request_are_few_and_do_not_grow.seen = {}
