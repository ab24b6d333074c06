"""The hot paths' connections are kept by the process between requests (hot_sql.KeptLinks):
reused, never left inside a transaction, and closed when they failed or the engine is
disposed."""

import pytest
from sqlalchemy import event
from support import comment_data, form_tokens, make_article

from blog.extensions import db
from blog.speed import hot_sql


@pytest.fixture
def article(app):
    with app.app_context():
        return make_article().slug


def links(app) -> hot_sql.KeptLinks:
    return app.extensions["hot_sql_links"]


def post(client, slug: str, body: str = "A thoughtful reply."):
    hidden = form_tokens(client, f"/articles/{slug}")
    return client.post(f"/articles/{slug}/comments", data=comment_data(hidden, body=body))


def in_transaction(link: hot_sql.Link) -> bool:
    connection = link.driver
    if hasattr(connection, "in_transaction"):  # sqlite3
        return connection.in_transaction
    return connection.info.transaction_status != 0  # psycopg: 0 is idle


def test_posts_reuse_one_connection_and_leave_no_transaction_open(app, client, article):
    post(client, article, "The first one.")
    opened = []
    with app.app_context():
        event.listen(db.engine, "connect", lambda *_: opened.append(1))
    for n in range(5):
        answer = post(client, article, f"Number {n} here.")
        assert answer.status_code == 303
        assert client.get(f"/articles/{article}").status_code == 200
    assert opened == [], "a request opened a connection instead of reusing one"
    kept = [links(app).idle.get_nowait() for _ in range(links(app).idle.qsize())]
    assert kept and not any(in_transaction(link) for link in kept)


def test_a_failed_request_closes_its_connection(app):
    with app.test_request_context():
        link = hot_sql.for_request()
        hot_sql.give_back(RuntimeError("the view broke"))
    assert links(app).idle.qsize() == 0
    with pytest.raises(Exception):  # noqa: B017, PT011 - each driver names it its own way
        link.driver.cursor().execute("SELECT 1")


def test_a_connection_that_went_away_is_replaced(app, client, article):
    with app.test_request_context():
        link = hot_sql.for_request()
        link.driver.close()  # as when the server restarts under it
        hot_sql.give_back()
    assert links(app).idle.qsize() == 0
    answer = post(client, article)
    assert answer.status_code == 303
    assert "A thoughtful reply." in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_disposing_the_engine_closes_the_kept_connections(app, client, article):
    post(client, article)
    early = app.wsgi_app
    while not hasattr(early, "links"):
        early = early.wsgi_app
    client.get(f"/articles/{article}")  # cached now: the next view is answered early
    client.get(f"/articles/{article}")
    kept = [links(app).idle.get_nowait(), early.links.idle.get_nowait()]
    for link in kept:
        links(app).idle.put(link) if link is kept[0] else early.links.idle.put(link)
    with app.app_context():
        db.engine.dispose()
    assert links(app).idle.qsize() == 0 and early.links.idle.qsize() == 0
    for link in kept:
        with pytest.raises(Exception):  # noqa: B017, PT011
            link.driver.cursor().execute("SELECT 1")
    assert client.get(f"/articles/{article}").status_code == 200
