"""The review's findings that need a real server: the blog under gunicorn with
deploy/gunicorn.conf.py, on a loopback port, with the demo blog in its own SQLite
database; raw HTTP where a client library would tidy the request up. Each server is
stopped by its pid."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from served import flask_commands, start_gunicorn, workers_of

from bench.nginx import free_port, stop
from blog.models import utcnow

ARTICLE = "/articles/saying-no-without-a-speech"
STARTED = re.compile(r'name="comment-started" type="hidden" value="([^"]*)"')


@dataclass
class Answer:
    status: int
    head: str
    text: str

    def header(self, name: str) -> str:
        found = re.search(rf"^{re.escape(name)}: *(.*?)\r?$", self.head, re.I | re.M)
        return found.group(1) if found else ""


@dataclass
class Blog:
    port: int
    database: Path
    process: subprocess.Popen
    log: Path

    @property
    def site_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def raw(self, request: bytes, timeout: float = 10) -> Answer:
        """Send `request` as written, bytes and all; read the answer to the end."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(request)
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        return Answer(status, head.decode("latin-1"), body.decode("utf-8", "replace"))

    def get(self, path: str, headers: dict | None = None) -> Answer:
        lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        return self.raw(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def post_comment(self, body: str, htmx=False, client="192.0.2.10") -> Answer:
        started = STARTED.search(self.get(ARTICLE).text).group(1)
        form = urlencode(
            {
                "comment-started": started,
                "comment-name": "Served Reader",
                "comment-email": "served@example.com",
                "comment-body": body,
            }
        ).encode()
        lines = [
            f"POST {ARTICLE}/comments HTTP/1.1",
            "Host: 127.0.0.1",
            "Connection: close",
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(form)}",
            f"Origin: {self.site_url}",
            f"X-Forwarded-For: {client}",
        ] + (["HX-Request: true"] if htmx else [])
        return self.raw(("\r\n".join(lines) + "\r\n\r\n").encode() + form)

    def chunked_post(self, content_type: str, body: bytes) -> Answer:
        """A comment post whose body comes in one chunk, with no Content-Length."""
        head = (
            f"POST {ARTICLE}/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: {content_type}\r\n"
            f"Origin: {self.site_url}\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
        return self.raw(head.encode() + chunk)

    def comments_saying(self, words: str) -> int:
        with sqlite3.connect(self.database) as connection:
            query = "SELECT count(*) FROM comment WHERE body = ?"
            return connection.execute(query, (words,)).fetchone()[0]

    def workers(self) -> list[int]:
        return workers_of(self.process.pid)


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory) -> Path:
    """The demo blog, built once; each server gets its own copy."""
    database = tmp_path_factory.mktemp("demo") / "blog.sqlite3"
    flask_commands(f"sqlite:///{database}", "init-db", "seed-demo")
    return database


@contextmanager
def serving(demo_database: Path, tmp_path: Path, database: Path | None = None, **settings):
    """gunicorn as `make serve` runs it, on a copy of the demo blog (or on `database`)."""
    if database is None:
        database = tmp_path / "blog.sqlite3"
        with sqlite3.connect(demo_database) as source, sqlite3.connect(database) as copy:
            source.backup(copy)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    process = start_gunicorn(f"sqlite:///{database}", port, log, **settings)
    try:
        yield Blog(port, database, process, log)
    finally:
        stop(process)


# 2. Cache poisoning through headers gunicorn trusts, from a client on 127.0.0.1.
def test_02_a_client_cannot_set_the_scheme_or_script_root(demo_database, tmp_path):
    with serving(demo_database, tmp_path) as blog:
        forged = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Ssl": "on",
            "X-Forwarded-Host": "evil.example",
            "SCRIPT_NAME": "/evil",
            "Script-Name": "/evil",
            "X-Script-Name": "/evil",
        }
        first = blog.get(ARTICLE, forged)
        later = blog.get(ARTICLE)
        canonical = f'rel="canonical" href="{blog.site_url}{ARTICLE}"'
        for answer in (first, later):
            assert answer.status == 200
            assert canonical in answer.text
            assert "/evil" not in answer.text and "https://127.0.0.1" not in answer.text
        admin = blog.get("/admin", {"Host": "localhost"})
        assert admin.status == 400  # not a host the site is served at
        admin = blog.get("/admin")
        assert admin.status == 308 and admin.header("Location") == "/admin/"


# 3. A Cookie header with bytes that are not UTF-8 gave a bare 500.
def test_03_an_unreadable_cookie_gets_the_page_with_its_headers(demo_database, tmp_path):
    with serving(demo_database, tmp_path) as blog:
        for path in ("/", ARTICLE, "/admin/login"):
            request = (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".encode()
                + b"Cookie: my_comments=\xff; session=\xc3(\r\n\r\n"
            )
            answer = blog.raw(request)
            assert answer.status == 200, path
            assert answer.header("Content-Security-Policy"), path


# 10. Chunked bodies over the limit got 400 instead of 413.
def test_10_a_chunked_body_over_the_limit_is_413(demo_database, tmp_path):
    with serving(demo_database, tmp_path) as blog:
        body = b"comment-body=" + b"x" * 70_000  # over MAX_CONTENT_LENGTH (64 KB)
        answer = blog.chunked_post("application/x-www-form-urlencoded", body)
        assert answer.status == 413
        assert answer.header("Content-Security-Policy")
        assert "larger than this site accepts" in answer.text


# 12. With COMMENT_FLOOD_SECONDS=0, posts under load still got 429.
def test_12_with_the_flood_limit_off_concurrent_posts_are_all_kept(demo_database, tmp_path):
    with serving(demo_database, tmp_path, COMMENT_FLOOD_SECONDS=0) as blog:
        statuses = []

        def poster(n: int) -> None:
            for k in range(15):  # one client address for all: only the limit could refuse
                answer = blog.post_comment(f"Load note {n}-{k}.", htmx=True)
                statuses.append(answer.status)

        threads = [threading.Thread(target=poster, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert statuses.count(200) == 8 * 15, sorted(set(statuses))
        with sqlite3.connect(blog.database) as connection:
            kept = connection.execute(
                "SELECT count(*) FROM comment WHERE body LIKE 'Load note %'"
            ).fetchone()[0]
        assert kept == 8 * 15


# 13. A database locked past the busy timeout gave a 500 and lost the typed comment.
def test_13_a_locked_database_answers_503_and_the_comment_can_be_sent_again(
    demo_database, tmp_path
):
    with serving(demo_database, tmp_path, DATABASE_BUSY_SECONDS=0.5) as blog:
        holder = sqlite3.connect(blog.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer, holding on
        try:
            refused = blog.post_comment("Kept while the database was busy.")
        finally:
            holder.close()
        assert refused.status == 503 and refused.header("Retry-After") == "5"
        assert refused.header("Content-Security-Policy")
        assert "Kept while the database was busy." in refused.text  # the whole page, no JS
        assert "was not saved" in refused.text
        assert blog.comments_saying("Kept while the database was busy.") == 0
        assert blog.post_comment("Kept while the database was busy.").status == 303
        assert blog.comments_saying("Kept while the database was busy.") == 1
        log = blog.log.read_text()
        assert log.count("database unavailable") == 1 and "Traceback" not in log


# 14. A database that cannot be opened gave a bare 500; a read-only one kept taking writes.
def test_14_a_database_that_cannot_be_opened_is_a_503_with_headers(demo_database, tmp_path):
    missing = tmp_path / "not-there" / "blog.sqlite3"
    with serving(demo_database, tmp_path, database=missing) as blog:
        for path in ("/", ARTICLE, ARTICLE + "/comments?before=1", "/admin/login"):
            answer = blog.get(path)
            assert answer.status == 503, (path, answer.text[:300])
            assert answer.header("Content-Security-Policy"), path
            assert answer.header("Retry-After") == "5"
            assert "temporarily unavailable" in answer.text


def test_14_a_database_made_read_only_takes_no_more_posts(demo_database, tmp_path):
    with serving(demo_database, tmp_path) as blog:
        assert blog.post_comment("Written before the change.").status == 303
        os.chmod(blog.database, 0o444)
        try:
            refused = blog.post_comment("Written after the change.")
            assert refused.status == 503 and refused.header("Content-Security-Policy")
            assert "Written after the change." in refused.text
            assert blog.get(ARTICLE).status == 200
        finally:
            os.chmod(blog.database, 0o644)
        assert blog.comments_saying("Written after the change.") == 0


# 16. An orphaned worker kept serving for more than 5 s after its master was killed.
def test_16_workers_stop_as_soon_as_their_master_is_killed(demo_database, tmp_path):
    with serving(demo_database, tmp_path) as blog:
        deadline = time.monotonic() + 10
        while len(workers := blog.workers()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers) == 2
        busy = threading.Event()

        def load() -> None:
            while not busy.is_set():
                try:
                    blog.get(ARTICLE)
                except OSError:
                    time.sleep(0.01)

        readers = [threading.Thread(target=load) for _ in range(4)]
        for reader in readers:
            reader.start()
        time.sleep(0.5)
        os.kill(blog.process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 3
        while any(Path(f"/proc/{pid}").exists() for pid in workers):
            assert time.monotonic() < deadline, "a worker outlived its master by 3 s"
            time.sleep(0.05)
        busy.set()
        for reader in readers:
            reader.join(10)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", blog.port), timeout=1).close()
        blog.process.wait(5)


def test_10_a_chunked_body_that_is_not_a_form_is_413_when_too_large(demo_database, tmp_path):
    with serving(demo_database, tmp_path) as blog:
        body = b'{"comment-body": "' + b"x" * 70_000 + b'"}'
        assert blog.chunked_post("application/json", body).status == 413


def test_workers_send_queued_mail_after_a_restart_before_anyone_visits(demo_database, tmp_path):
    """Mail queued before a restart goes out from the new workers' threads at once; the
    console backend prints it into the server's log."""
    database = tmp_path / "blog.sqlite3"
    with sqlite3.connect(demo_database) as source, sqlite3.connect(database) as copy:
        source.backup(copy)
        due = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")  # queued just before the restart
        copy.execute(
            "INSERT INTO outbox (kind, recipient, subject, text_body, html_body, headers,"
            " message_id, status, attempts, created_at, next_attempt_at, expires_at)"
            " VALUES ('test', 'ann@example.com', 'Waiting since the restart', 'Hello.',"
            " '<p>Hello.</p>', '{}', '<m1@127.0.0.1>', 'queued', 0, ?, ?, '2999-01-01')",
            (due, due),
        )
    with serving(demo_database, tmp_path, database=database) as blog:
        deadline = time.monotonic() + 20
        while "Subject: Waiting since the restart" not in blog.log.read_text():
            assert time.monotonic() < deadline, blog.log.read_text()[-2000:]
            time.sleep(0.1)
        time.sleep(1)  # the other worker's thread has looked too by now
        assert blog.log.read_text().count("Subject: Waiting since the restart") == 1
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT status FROM outbox").fetchall() == [("sent",)]
