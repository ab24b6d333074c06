"""The hot paths' connections (hot_sql.KeptLinks). On a SQLite file the process keeps them
between requests: reused, never left inside a transaction, at most the pool's size, closed
when they failed or the engine is disposed, never shared with a forked child. Elsewhere
they come from SQLAlchemy's pool, whose settings then apply."""

import os

import pytest
from sqlalchemy import event
from sqlalchemy.pool import NullPool
from support import comment_data, database_uri, form_tokens, make_article

from blog import create_app
from blog.extensions import db
from blog.speed import hot_sql


@pytest.fixture
def article(app):
    with app.app_context():
        return make_article().slug


@pytest.fixture
def sqlite_file(app):
    if not app.extensions["hot_sql_links"].keep:
        pytest.skip("PostgreSQL's connections go through SQLAlchemy's pool (tested below)")


def links(app) -> hot_sql.KeptLinks:
    return app.extensions["hot_sql_links"]


def post(client, slug: str, body: str = "A thoughtful reply."):
    hidden = form_tokens(client, f"/articles/{slug}")
    return client.post(f"/articles/{slug}/comments", data=comment_data(hidden, body=body))


def idle(app) -> list[hot_sql.Link]:
    kept = [links(app).idle.get_nowait() for _ in range(links(app).idle.qsize())]
    for link in kept:
        links(app).idle.put(link)
    return kept


def test_requests_reuse_a_kept_connection_without_the_pool(app, sqlite_file):
    drivers, checkouts = [], []
    with app.app_context():
        event.listen(db.engine, "checkout", lambda *_: checkouts.append(1))
    for _ in range(3):
        with app.test_request_context():
            drivers.append(hot_sql.for_request().driver)
    assert drivers[0] is drivers[1] is drivers[2]
    assert len(checkouts) <= 1  # the first one, taken out of the pool for good


def test_posts_leave_no_kept_connection_inside_a_transaction(app, client, article, sqlite_file):
    for n in range(5):
        assert post(client, article, f"Number {n} here.").status_code == 303
    assert idle(app) and not any(link.driver.in_transaction for link in idle(app))


def test_no_more_are_kept_than_the_pool_would_hold(app, sqlite_file):
    with app.app_context():
        size = db.engine.pool.size()
    taken = [links(app).take() for _ in range(size + 3)]
    for link in taken:
        links(app).give_back(link)
    assert len(idle(app)) == size
    with pytest.raises(Exception):  # noqa: B017, PT011 - the extra ones are closed
        taken[-1].driver.execute("SELECT 1")


def test_a_failed_request_closes_its_connection(app, sqlite_file):
    with app.test_request_context():
        link = hot_sql.for_request()
        hot_sql.give_back(RuntimeError("the view broke"))
    assert idle(app) == []
    with pytest.raises(Exception):  # noqa: B017, PT011
        link.driver.execute("SELECT 1")


def test_a_connection_that_went_away_is_replaced(app, client, article, sqlite_file):
    with app.test_request_context():
        link = hot_sql.for_request()
        link.driver.close()  # as when its file went away under it
        hot_sql.give_back()
    assert idle(app) == []
    answer = post(client, article)
    assert answer.status_code == 303
    assert "A thoughtful reply." in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_disposing_the_engine_closes_the_kept_connections(app, client, article, sqlite_file):
    post(client, article)
    client.get(f"/articles/{article}")  # cached now: the next view is answered early
    client.get(f"/articles/{article}")
    kept = idle(app)
    with app.app_context():
        db.engine.dispose()
    assert idle(app) == []
    for link in kept:
        with pytest.raises(Exception):  # noqa: B017, PT011
            link.driver.execute("SELECT 1")
    assert client.get(f"/articles/{article}").status_code == 200


def test_a_forked_process_keeps_its_own_connections(app, client, article, sqlite_file):
    post(client, article)
    (parents,) = idle(app)
    child = os.fork()
    if child == 0:  # the child: a link of its own, and the parent's left alone
        try:
            link = links(app).take()
            mine = link.driver is not parents.driver and link.driver.execute("SELECT 1")
            links(app).give_back(link)
            with app.app_context():
                db.engine.dispose(close=False)  # what SQLAlchemy asks of a forked worker
        finally:
            os._exit(0 if mine else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert parents.driver.execute("SELECT 1").fetchone() == (1,)
    assert post(client, article, "After the fork.").status_code == 303


def test_elsewhere_each_request_goes_through_the_pool(app, client, article, tmp_path):
    """PostgreSQL (the app fixture, when TEST_DATABASE_URI names it), or a pool the
    settings chose: nothing is kept, so pre-ping, recycle and the pool's size apply."""
    if links(app).keep:  # SQLite with the usual pool: try a pool chosen in the settings
        app = create_app(
            {
                **app.config,
                "SQLALCHEMY_DATABASE_URI": database_uri(tmp_path / "other"),
                "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool},
            }
        )
        client = app.test_client()
        (tmp_path / "other").mkdir()
        with app.app_context():
            db.create_all()
            article = make_article().slug
    assert not links(app).keep
    checkouts, checkins = [], []
    with app.app_context():
        event.listen(db.engine, "checkout", lambda *_: checkouts.append(1))
        event.listen(db.engine, "checkin", lambda *_: checkins.append(1))
    assert post(client, article).status_code == 303
    assert checkouts, "the post did not go through the pool"
    assert len(checkins) == len(checkouts), "a connection was not given back to the pool"
    assert idle(app) == []
