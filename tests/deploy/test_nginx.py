"""deploy/nginx.conf in front of gunicorn, as readers meet it: on loopback ports, with the
demo blog in its own SQLite database. nginx is configured, started and stopped by
bench/nginx.py, as in the benchmark. Debian's nginx is installed when missing (as root);
without it the module is skipped with one reason, or fails under CI=true."""

import http.client
import os
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from bench import nginx as nginx_runner
from bench.nginx import free_port

ROOT = Path(__file__).resolve().parents[2]
BIG_ARTICLE = "saying-no-without-a-speech"
HELD = "Your comment is awaiting moderation."
COOKIE_NOTICE = 'id="cookie-notice"'


def nginx_or_skip() -> str:
    """nginx, installed first when we may; otherwise skip, or fail under CI."""
    nginx, why = nginx_runner.ensure_nginx()
    if nginx is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI: nginx is needed for tests/deploy: {why}", pytrace=False)
        pytest.skip(why)
    return nginx


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


@dataclass
class Stack:
    """nginx on `port` in front of gunicorn, and where to look behind them."""

    port: int
    run: Path
    database: Path

    @property
    def site_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method, path, headers=None, body=None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read().decode())
        finally:
            connection.close()

    def app_requests(self, path: str) -> int:
        """How many requests for `path` reached gunicorn (its access log)."""
        log = (self.run / "gunicorn-access.log").read_text()
        return log.count(f'"GET {path} HTTP/')

    def stored(self) -> list[bytes]:
        """Every entry in nginx's cache, headers and body as stored."""
        return [p.read_bytes() for p in (self.run / "cache").rglob("*") if p.is_file()]


@dataclass
class Reader:
    """One browser: it keeps its cookies and says where its form posts come from."""

    stack: Stack
    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, **headers) -> Answer:
        return self._send("GET", path, headers)

    def post(self, path: str, form: dict, **headers) -> Answer:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.stack.site_url,
            "Sec-Fetch-Site": "same-origin",
            **headers,
        }
        return self._send("POST", path, headers, urlencode(form))

    def _send(self, method, path, headers, body=None) -> Answer:
        headers = {k.replace("_", "-"): v for k, v in headers.items()}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = self.stack.request(method, path, headers, body)
        for line in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        return answer

    def post_comment(
        self, slug: str, text: str, email: str, name="Nginx Tester", **headers
    ) -> Answer:
        page = self.get(f"/articles/{slug}")
        form = {
            "comment-name": name,
            "comment-email": email,
            "comment-website": "",
            "comment-body": text,
            "comment-started": form_started(page.text),
        }
        return self.post(f"/articles/{slug}/comments", form, **headers)


def form_started(html: str) -> str:
    tag = re.search(r'<input[^>]*name="comment-started"[^>]*>', html)
    assert tag, "the article page has no comment form"
    return re.search(r'value="([^"]*)"', tag.group(0)).group(1)


def path_of(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def next_second(margin: float = 0.05) -> None:
    """Wait for the next wall-clock second: nginx keeps each page for one at most."""
    time.sleep(1 - time.time() % 1 + margin)


def cache_from_start_of_second(stack: Stack, path: str) -> None:
    """Have nginx fetch `path` from the app at the start of a second and keep the copy:
    the oldest a copy can be when it is last served."""
    for _ in range(3):
        next_second()
        if stack.request("GET", path).header("X-Cache-Status") != "HIT":
            break
    assert stack.request("GET", path).header("X-Cache-Status") == "HIT"


def unique_words() -> str:
    return f"Seen through nginx, note {uuid.uuid4().hex}."


def run_checked(command, **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}"


def wait_until_serving(stack: Stack, processes: dict) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                logs = "\n".join(p.read_text() for p in stack.run.glob("*.log"))
                raise AssertionError(f"{name} exited with {process.returncode}:\n{logs}")
        try:
            if stack.request("GET", "/").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("the blog did not answer through nginx within 30 s")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    nginx = nginx_or_skip()
    run = tmp_path_factory.mktemp("nginx")
    stack = Stack(port=free_port(), run=run, database=run / "blog.sqlite3")
    app_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(
        FLASK_SQLALCHEMY_DATABASE_URI=f"sqlite:///{stack.database}",
        FLASK_SECRET_KEY="nginx-test-secret",
        FLASK_SITE_URL=stack.site_url,
        FLASK_PROXY_COUNT="1",
        FLASK_COMMENT_MODERATION='"first-time"',
        FLASK_COMMENT_MIN_FILL_SECONDS="0",
        FLASK_COMMENT_FLOOD_SECONDS="0",
    )
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    run_checked([*flask, "init-db"], cwd=ROOT, env=env)
    run_checked([*flask, "seed-demo"], cwd=ROOT, env=env)

    with (run / "gunicorn.log").open("w") as app_log:
        gunicorn = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"),
                *("--access-logfile", str(run / "gunicorn-access.log"), "app:app"),
            ],
            cwd=ROOT,
            env={**env, "HOST": "127.0.0.1", "PORT": str(app_port), "WORKERS": "2"},
            stdout=app_log,
            stderr=subprocess.STDOUT,
        )
    try:
        # deploy/nginx.conf as written, placeholders filled; its cache is run/cache
        with nginx_runner.serving(app_port, ROOT / "static", run, port=stack.port, nginx=nginx):
            wait_until_serving(stack, {"gunicorn": gunicorn})
            yield stack
    finally:
        nginx_runner.stop(gunicorn)


@pytest.fixture(scope="module")
def small_article(stack) -> str:
    """A demo article whose comments all fit on its page."""
    home = stack.request("GET", "/").text
    slugs = dict.fromkeys(re.findall(r'href="(?:https?://[^/"]+)?/articles/([a-z0-9-]+)"', home))
    assert slugs, "no article links on the home page"
    for slug in slugs:
        page = stack.request("GET", f"/articles/{slug}").text
        if f"/articles/{slug}/comments?before=" not in page:
            return slug
    pytest.fail("every demo article has more comments than fit on its page")


@pytest.fixture(scope="module")
def approved_commenter(stack) -> tuple[str, str]:
    """The name and email of a commenter with a published comment: their next one is
    published too."""
    with sqlite3.connect(stack.database) as connection:
        row = connection.execute(
            "SELECT author_name, author_email FROM comment WHERE status = 'published' LIMIT 1"
        ).fetchone()
    assert row, "the demo data has no published comment"
    return row


def test_second_anonymous_view_of_an_article_is_answered_by_nginx(stack):
    path = f"/articles/{BIG_ARTICLE}"
    next_second()
    first = stack.request("GET", path)
    time.sleep(0.1)  # the access log line is written just after the answer
    reached_app = stack.app_requests(path)
    second = stack.request("GET", path)
    time.sleep(0.1)

    assert first.status == second.status == 200
    assert second.header("X-Cache-Status") == "HIT"
    assert stack.app_requests(path) == reached_app
    assert second.text == first.text
    assert not first.header("Set-Cookie") and not second.header("Set-Cookie")
    assert "s-maxage=1" in second.header("Cache-Control")


def test_htmx_fragments_and_whole_pages_are_cached_apart(stack):
    article = stack.request("GET", f"/articles/{BIG_ARTICLE}").text
    more = re.search(rf"/articles/{BIG_ARTICLE}/comments\?before=\d+", article)
    assert more, "the big article has no link to its next comments"
    path = more.group(0)
    htmx = {"HX-Request": "true"}
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}

    next_second()
    for _ in range(2):
        page = stack.request("GET", path)
        fragment = stack.request("GET", path, htmx)
        restored = stack.request("GET", path, restore)
        assert "<html" in page.text
        assert "<html" not in fragment.text
        assert "<html" in restored.text
    assert page.header("X-Cache-Status") == fragment.header("X-Cache-Status") == "HIT"


def test_static_files_are_served_by_nginx_with_a_year_of_caching(stack):
    home = stack.request("GET", "/").text
    assets = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', home))
    assert assets, "the home page links no static files"
    for url in assets:
        answer = stack.request("GET", url.replace("&amp;", "&"))
        assert answer.status == 200, url
        assert "max-age=31536000" in answer.header("Cache-Control"), url
        assert "immutable" in answer.header("Cache-Control"), url
        on_disk = ROOT / urlsplit(url).path.lstrip("/")
        assert answer.text == on_disk.read_text(), url
    time.sleep(0.1)
    assert "/static/" not in (stack.run / "gunicorn-access.log").read_text()


def test_a_new_comment_reaches_the_next_anonymous_reader_within_a_second(
    stack, small_article, approved_commenter
):
    path = f"/articles/{small_article}"
    words = unique_words()
    cache_from_start_of_second(stack, path)  # a copy to go stale

    poster = Reader(stack)
    name, email = approved_commenter
    posted = poster.post_comment(small_article, words, email, name=name)
    posted_at = time.monotonic()
    assert posted.status == 303, posted.text
    reload = poster.get(path_of(posted.header("Location")))
    assert words in reload.text  # the poster, at once
    assert HELD not in reload.text

    views = []  # (seconds after the post, whether the comment was in the page)
    while (sent := time.monotonic() - posted_at) < 1.5:
        views.append((sent, words in stack.request("GET", path).text))
        time.sleep(0.05)
    late = [seen for sent, seen in views if sent >= 1.0]
    assert late and all(late), f"still stale a second after the post: {views}"


def test_the_poster_sees_a_held_comment_at_once_and_nobody_else_ever(stack, small_article):
    path = f"/articles/{small_article}"
    words = unique_words()
    poster = Reader(stack)
    posted = poster.post_comment(small_article, words, f"new-{uuid.uuid4().hex[:8]}@example.org")
    assert posted.status == 303, posted.text
    assert "my_comments" in poster.cookies

    for _ in range(2):
        reload = poster.get(path_of(posted.header("Location")))
        assert words in reload.text and HELD in reload.text
        assert reload.header("X-Cache-Status") != "HIT"
        assert "private" in reload.header("Cache-Control")

    end = time.monotonic() + 1.2
    while time.monotonic() < end:
        page = stack.request("GET", path)
        assert words not in page.text and HELD not in page.text
        time.sleep(0.1)
    assert not any(words.encode() in entry for entry in stack.stored())


def test_posting_inline_answers_the_poster_only(stack, small_article):
    path = f"/articles/{small_article}/comments"
    words = unique_words()
    poster = Reader(stack)

    posted = poster.post_comment(small_article, words, "inline@example.org", HX_Request="true")

    assert posted.status == 200
    assert not posted.header("X-Cache-Status")
    assert "my_comments" in poster.cookies
    for _ in range(2):
        assert words not in stack.request("GET", path, {"HX-Request": "true"}).text


def test_admin_pages_are_never_cached(stack):
    for _ in range(3):
        queue = stack.request("GET", "/admin/")
        login = stack.request("GET", "/admin/login")
        assert queue.status in (302, 303) and "/admin/login" in queue.header("Location")
        assert login.status == 200
        assert "no-store" in login.header("Cache-Control")
        assert not queue.header("X-Cache-Status") and not login.header("X-Cache-Status")


def test_a_signed_in_session_bypasses_the_cache(stack):
    for _ in range(2):
        page = stack.request("GET", "/", {"Cookie": "session=anything"})
        assert page.header("X-Cache-Status") == "BYPASS"


def test_a_dismissed_cookie_notice_stays_dismissed(stack):
    reader = Reader(stack)
    assert COOKIE_NOTICE in reader.get("/").text
    accepted = reader.post("/cookies/accept", {"next": "/"})
    assert accepted.status in (200, 303)
    assert reader.cookies.get("cookie_consent") == "1"
    path = f"/articles/{BIG_ARTICLE}"

    next_second()
    assert COOKIE_NOTICE in stack.request("GET", path).text  # the anonymous copy is cached
    for _ in range(2):
        assert COOKIE_NOTICE not in reader.get(path).text
        assert COOKIE_NOTICE not in reader.get("/").text
    with_other_cookie = {"Cookie": "cookie_consent=1; theme=dark"}
    assert COOKIE_NOTICE not in stack.request("GET", path, with_other_cookie).text
    assert COOKIE_NOTICE in stack.request("GET", path).text


def test_a_forged_host_is_refused(stack):
    for headers, path in [
        ({"Host": "evil.example"}, "/"),
        ({"Host": f"evil.example:{stack.port}"}, f"/articles/{BIG_ARTICLE}"),
        ({"Host": f"127.0.0.1:{stack.port}"}, "http://evil.example/"),
    ]:
        try:
            refused = stack.request("GET", path, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError):
            continue  # nginx closed the connection without an answer (444)
        assert refused.status in (400, 421), refused.text
        assert "evil.example" not in refused.text

    path = f"/articles/{BIG_ARTICLE}"
    forwarded = stack.request("GET", path, {"X-Forwarded-Host": "evil.example"})
    assert forwarded.status == 200
    for html in (forwarded.text, stack.request("GET", path).text):
        assert "evil.example" not in html
        canonical = re.search(r'<link[^>]*rel="canonical"[^>]*>', html)
        assert canonical and f'href="{stack.site_url}{path}"' in canonical.group(0)


def test_nothing_personal_is_ever_stored(stack):
    entries = stack.stored()
    assert entries, "nginx stored nothing at all"
    for entry in entries:
        head = entry.split(b"\r\n\r\n", 1)[0].lower()
        assert b"set-cookie" not in head
        assert b"private" not in head and b"no-store" not in head
        assert HELD.encode() not in entry


def send_raw(stack: Stack, path: str, headers: list[tuple[str, str]]) -> Answer:
    """A GET with headers exactly as listed, repeated names included."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read().decode())
    finally:
        connection.close()


POISON = [
    # (the attacker's headers, the victim's headers, what the victim must see)
    ([("Cookie", "a=b, cookie_consent=1")], [("Cookie", "cookie_consent=1")], "no notice"),
    (
        [("Cookie", "a=b"), ("Cookie", "cookie_consent=1")],
        [("Cookie", "cookie_consent=1")],
        "no notice",
    ),
    ([("Cookie", "cookie_consent\t=1")], [], "notice"),
    ([("Cookie", "cookie_consent=1 ; x=y")], [], "notice"),
    ([("HX-Request", "true"), ("HX-Request", "x")], [("HX-Request", "true")], "fragment"),
    (
        [
            ("HX-Request", "true"),
            ("HX-History-Restore-Request", "true"),
            ("HX-History-Restore-Request", "x"),
        ],
        [("HX-Request", "true"), ("HX-History-Restore-Request", "true")],
        "page",
    ),
]


@pytest.mark.parametrize(("attack", "victim", "expected"), POISON)
def test_odd_headers_never_decide_what_other_readers_get(stack, attack, victim, expected):
    """Whatever the first request of a second sends, nginx's copy is the page its key names."""
    article = stack.request("GET", f"/articles/{BIG_ARTICLE}").text
    path = re.search(rf"/articles/{BIG_ARTICLE}/comments\?before=\d+", article).group(0)
    if expected in ("notice", "no notice"):
        path = f"/articles/{BIG_ARTICLE}"
    next_second()
    send_raw(stack, path, attack)
    seen = send_raw(stack, path, victim)
    assert seen.header("X-Cache-Status") == "HIT" or expected == "notice"
    if expected == "notice":
        assert COOKIE_NOTICE in seen.text
    elif expected == "no notice":
        assert COOKIE_NOTICE not in seen.text
    elif expected == "fragment":
        assert "<html" not in seen.text
    else:
        assert "<html" in seen.text
