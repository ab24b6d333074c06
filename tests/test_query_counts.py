"""A constant, small number of SQL statements per request, whatever the size of the data."""

import re
import sqlite3
from contextlib import contextmanager

from sqlalchemy import event, select
from support import ARTICLE, add_comments, comment_data, form_tokens, make_article

from blog.extensions import db

# Transaction control is not a query; drivers issue it in different ways.
NOT_QUERIES = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class StatementLog:
    """Every statement the database driver runs, however it was issued: through the ORM,
    Core, hot_sql's prepared statements on a pooled connection, or the early lookup's own
    connection. A watcher is put on each connection as the driver opens it (the pool is
    emptied first), and `counted()` collects what they see meanwhile."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.window: list[str] | None = None
        event.listen(self.engine, "connect", self.watch)
        self.engine.dispose()  # connections opened before the watcher go

    def record(self, sql: str) -> None:
        if self.window is not None and not sql.lstrip().upper().startswith(NOT_QUERIES):
            self.window.append(sql)

    def watch(self, dbapi_connection, _record) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.set_trace_callback(self.record)
        else:  # psycopg: every cursor it makes reports what it runs
            record = self.record

            class Watched(dbapi_connection.cursor_factory):
                def execute(self, query, *args, **kwargs):
                    record(str(query))
                    return super().execute(query, *args, **kwargs)

            dbapi_connection.cursor_factory = Watched

    @contextmanager
    def counted(self):
        self.window = []
        try:
            yield self.window
        finally:
            self.window = None

    def close(self) -> None:
        event.remove(self.engine, "connect", self.watch)


def grow(app, articles: int, comments: int) -> None:
    """Add filler articles (older than the article under test) and comments to it."""
    from datetime import datetime, timedelta

    from blog.models import Article

    with app.app_context():
        existing = db.session.query(Article).count()
        for n in range(existing, existing + articles):
            make_article(
                f"filler-{n}", f"Filler {n}", published_at=datetime(2001, 1, 1) + timedelta(days=n)
            )
        article = db.session.query(Article).filter_by(slug="a-quiet-article").one_or_none()
        article = article or make_article()
        add_comments(article, comments, start=datetime(2008 + existing, 1, 1))
        add_replies(article, comments // 2)


def poll_url(page) -> str:
    found = re.search(r'id="comments-poll" hx-get="([^"]+)"', page.get_data(as_text=True))
    return found.group(1).replace("&amp;", "&")


def add_replies(article, count: int) -> None:
    from datetime import timedelta

    """Threads: replies (and replies to those) under the article's newest comments."""
    from blog.models import Comment

    tops = list(
        db.session.scalars(
            select(Comment)
            .where(Comment.article_id == article.id, Comment.depth == 0)
            .order_by(Comment.id.desc())
            .limit(5)
        )
    )
    for n in range(count):
        parent = tops[n % len(tops)]
        answer = Comment(
            article_id=article.id,
            author_name=f"Answer {n}",
            author_email=f"answer{n}@example.com",
            created_at=parent.created_at + timedelta(seconds=n + 1),
            parent_id=parent.id,
            root_id=parent.root_id or parent.id,
            depth=parent.depth + 1,
        )
        answer.set_body(f"Answer number {n}.")
        db.session.add(answer)
        db.session.flush()
        tops.append(answer)
    article.comment_count += count
    article.revision += 1
    db.session.commit()


def requests_and_counts(app, log, client, htmx_client, words: str) -> dict[str, int]:
    counts = {}
    app.extensions["shared_pages"].clear()  # as in a worker that has just started
    client.get(ARTICLE)  # the article page is rendered and cached for its version
    client.get("/")  # the first page of articles is rendered and cached; page 2 is not
    for name, call in {
        "home": lambda: client.get("/"),
        "home page 2": lambda: client.get("/?before=3"),
        "article": lambda: client.get(ARTICLE),
        "comment page": lambda: htmx_client.get(ARTICLE + "/comments?before=2"),
        "later comment page": lambda: client.get(ARTICLE + "/comments?before=10"),
    }.items():
        with log.counted() as statements:
            assert call().status_code == 200
        counts[name] = len(statements)
    hidden = form_tokens(app.test_client(), ARTICLE)
    before_post = poll_url(client.get(ARTICLE))
    poster = app.test_client()  # a new reader, as the statement counts assume
    with log.counted() as statements:
        posted = poster.post(
            ARTICLE + "/comments",
            data=comment_data(hidden, body=words),
            headers=HTMX,
            environ_base={"REMOTE_ADDR": f"192.0.2.{len(words)}"},  # a new address each time
        )
        assert posted.status_code == 200, posted.get_data(as_text=True)
    counts["post"] = len(statements)
    with app.app_context():  # a comment published since (the post above is held)
        from blog.models import Article

        add_comments(db.session.query(Article).filter_by(slug="a-quiet-article").one(), 1)
    with log.counted() as statements:
        assert client.get(before_post).status_code == 200  # news
    counts["poll, news"] = len(statements)
    after_post = poll_url(client.get(ARTICLE))
    with log.counted() as statements:
        assert client.get(after_post).status_code == 204
    counts["poll, nothing new"] = len(statements)
    with app.app_context():  # the deepest reply: its answer joins a list further up
        from blog.models import Comment

        parent = db.session.scalars(select(Comment.id).order_by(Comment.depth.desc())).first()
    started = re.search(
        r'name="(reply-\d+-started)" type="hidden" value="([^"]*)"',
        client.get(f"{ARTICLE}/comments/{parent}/reply").get_data(as_text=True),
    )
    answer = {started.group(1): started.group(2)}
    for key, value in comment_data(body=words + " (a reply)").items():
        if key != "comment-started":
            answer[f"reply-{parent}" + key.removeprefix("comment")] = value
    with log.counted() as statements:
        replied = app.test_client().post(
            f"{ARTICLE}/comments/{parent}/replies",
            data=answer,
            headers=HTMX,
            environ_base={"REMOTE_ADDR": f"198.51.100.{len(words)}"},
        )
        assert replied.status_code == 200, replied.get_data(as_text=True)
    counts["reply post"] = len(statements)
    # The counter sees what hot_sql runs on raw connections, not only the ORM's queries.
    assert any(sql.startswith("INSERT INTO comment") for sql in statements), statements
    return counts


HTMX = {"HX-Request": "true"}
EXPECTED = {
    "home": 1,  # the versions of the articles on it; the page is cached for those
    # that the page starts after an article readers see; not yet cached: the versions, then
    # the articles themselves, then their tags
    "home page 2": 4,
    "article": 1,  # the version lookup; the page itself is cached for that version
    "comment page": 2,  # the version lookup and the page of threads (with their replies)
    "later comment page": 3,  # as a comment page, and the previous and next articles
    # version lookup, word lists and "approved before?" in one, flood counter, insert (a held
    # comment: a published one also updates the article's count)
    "post": 4,
    # the version lookup, the article (changed since this worker last read it), the count
    "poll, news": 3,
    "poll, nothing new": 1,  # the version lookup (before Flask), then 204
    # as a post, plus the comment answered and (it is at the deepest level) the list on the
    # page that its answer joins, found in one statement however deep the thread goes
    "reply post": 6,
}


def test_statements_per_request_are_few_and_do_not_grow(app, client, htmx_client):
    app.config["COMMENT_MODERATION"] = "first-time"
    app.config["COMMENT_FLOOD_SECONDS"] = 1  # every check on (each post comes from elsewhere)
    log = StatementLog(app)
    try:
        grow(app, 3, 12)
        small = requests_and_counts(app, log, client, htmx_client, "Posted on the small blog.")
        grow(app, 37, 400)
        large = requests_and_counts(app, log, client, htmx_client, "Posted on the larger blog.")
    finally:
        log.close()
    assert small == EXPECTED, "the statement counts changed"
    assert large == small, "statement counts grew with the data"
