"""Nothing acknowledged is lost, nothing is stored twice, when the server dies mid-load:
the blog under gunicorn, eight clients posting, `kill -9` of a worker and then of the
master, a restart. On SQLite, and on PostgreSQL in the PostgreSQL run."""

import os
import re
import signal
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from served import flask_commands, start_gunicorn, workers_of
from sqlalchemy import create_engine, text

from bench.nginx import free_port, stop

ARTICLE = "/articles/saying-no-without-a-speech"
STARTED = re.compile(rb'name="comment-started" type="hidden" value="([^"]*)"')


def exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def post(port: int, started: str, words: str, client: int) -> int:
    """A comment posted inline; the status line's code (0 if there was no answer)."""
    form = urlencode(
        {
            "comment-started": started,
            "comment-name": f"Poster {client}",
            "comment-email": f"poster{client}@example.com",
            "comment-body": words,
        }
    ).encode()
    head = (
        f"POST {ARTICLE}/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(form)}\r\n"
        f"Origin: http://127.0.0.1:{port}\r\nHX-Request: true\r\n\r\n"
    )
    try:
        answer = exchange(port, head.encode() + form)
    except OSError:
        return 0
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


def fresh_demo_blog(tmp_path: Path) -> str:
    """The demo blog in the test database: a SQLite file, or the PostgreSQL test database
    emptied first."""
    uri = os.environ.get("TEST_DATABASE_URI") or f"sqlite:///{tmp_path / 'blog.sqlite3'}"
    if uri.startswith("postgresql"):
        engine = create_engine(uri)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    flask_commands(uri, "init-db", "seed-demo")
    return uri


def test_a_crash_mid_load_loses_nothing_acknowledged_and_stores_nothing_twice(tmp_path):
    uri = fresh_demo_blog(tmp_path)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    server = start_gunicorn(uri, port, log)
    page = exchange(port, f"GET {ARTICLE} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    started = STARTED.search(page).group(1).decode()
    acknowledged: list[str] = []
    sent: list[str] = []
    done = threading.Event()

    def client(n: int) -> None:
        k = 0
        while not done.is_set():
            words = f"Crash test, client {n}, post {k}."
            sent.append(words)
            if post(port, started, words, n) == 200:
                acknowledged.append(words)
            k += 1

    clients = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in clients:
        thread.start()
    try:
        time.sleep(1.5)
        os.kill(workers_of(server.pid)[0], signal.SIGKILL)  # a worker, mid-request
        time.sleep(1.5)
        os.kill(server.pid, signal.SIGKILL)  # then the master; its workers follow
        server.wait(10)
        time.sleep(0.5)
        server = start_gunicorn(uri, port, log)  # the restart
        time.sleep(1.5)
    finally:
        done.set()
        for thread in clients:
            thread.join(30)
        stop(server)
    assert len(acknowledged) > 100, "the load was too light to mean anything"
    assert len(sent) > len(acknowledged), "no post went unanswered: the crash hit nothing"

    engine = create_engine(uri)
    with engine.connect() as connection:
        if uri.startswith("sqlite"):
            assert connection.exec_driver_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = connection.execute(
            text("SELECT body, count(*) FROM comment WHERE body LIKE 'Crash test,%' GROUP BY body")
        ).all()
        (count, published) = connection.execute(
            text(
                "SELECT a.comment_count, (SELECT count(*) FROM comment c WHERE"
                " c.article_id = a.id AND c.status = 'published') FROM article a"
                " WHERE a.slug = 'saying-no-without-a-speech'"
            )
        ).one()
    engine.dispose()
    times = dict(stored)
    assert all(n == 1 for n in times.values()), "a comment was stored twice"
    missing = [words for words in acknowledged if words not in times]
    assert not missing, f"{len(missing)} acknowledged comments were lost, e.g. {missing[:3]}"
    assert count == published, "the article's count disagrees with its comments"
