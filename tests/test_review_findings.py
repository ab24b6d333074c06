"""The outside security review's sixteen findings, one regression test (or more) each,
numbered as in the review. Those that need a real gunicorn are in tests/deploy/
test_gunicorn.py (2, 3, 10, 12, 13, 14, 16 there too)."""

import logging
import os
import re
import sqlite3
import threading
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import create_engine, select, text
from support import ARTICLE, STARTED, TOKEN, add_comments, comment_data, form_tokens

from blog import create_app
from blog.admin import auth
from blog.extensions import db
from blog.models import AdminUser, Article, Comment, CommentStatus

POST = ARTICLE + "/comments"
PASSWORD = "a long enough password"
ON_SQLITE = not os.environ.get("TEST_DATABASE_URI")
sqlite_only = pytest.mark.skipif(not ON_SQLITE, reason="about SQLite's file; PostgreSQL has none")


@pytest.fixture
def owner(app):
    with app.app_context():
        db.session.add(AdminUser(username="owner", password_hash=auth.hash_password(PASSWORD)))
        db.session.commit()


def sign_in(client, password=PASSWORD, next_path=None, **kw):
    token = TOKEN.search(client.get("/admin/login").get_data(as_text=True)).group(1)
    path = "/admin/login" + (f"?next={next_path}" if next_path is not None else "")
    data = {"csrf_token": token, "username": "owner", "password": password}
    return client.post(path, data=data, **kw)


def stored(app) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(select(Comment).order_by(Comment.id)))


def post(client, **fields):
    return client.post(POST, data=comment_data(form_tokens(client, ARTICLE), **fields))


# 1. Readers' CSRF tokens leaked into a commenter's link.
def test_01_no_readers_value_is_ever_put_into_a_commenters_words(app, article, owner):
    commenter = app.test_client()
    stamp = STARTED.search(commenter.get(ARTICLE).get_data(as_text=True)).group(1)
    planted = f"https://evil.example/c?t={stamp}"
    commenter.post(
        POST,
        data=comment_data({"comment-started": stamp}, website=planted, body=f"Mine: {stamp}"),
    )
    signed_in = app.test_client()
    sign_in(signed_in)
    for reader in (app.test_client(), signed_in):
        html = reader.get(ARTICLE).get_data(as_text=True)
        assert f'href="{escape(planted)}"' in html  # exactly as the commenter wrote it
        assert f"Mine: {escape(stamp)}" in html
        own = STARTED.search(html).group(1)
        assert own != stamp and html.count(own) == 1  # only in the reader's own form
        assert "csrf_token" not in html  # no token of the owner's in a public page


# 2. Cache poisoning through headers a server trusts (also tested with gunicorn).
def test_02_request_headers_never_reach_a_shared_page(app, article):
    client = app.test_client()
    forged = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Prefix": "/evil",
        "Forwarded": "host=evil.example;proto=https",
    }
    first = client.get(ARTICLE, headers=forged).get_data(as_text=True)
    plain = app.test_client().get(ARTICLE).get_data(as_text=True)
    for html in (first, plain):
        assert 'rel="canonical" href="http://localhost/articles/a-quiet-article"' in html
        assert "evil" not in html.lower() and "https://localhost" not in html
    odd_root = client.get(ARTICLE, environ_overrides={"SCRIPT_NAME": "/evil"})
    assert odd_root.headers["Cache-Control"] == "private, no-store"
    assert "/evil/" not in app.test_client().get(ARTICLE).get_data(as_text=True)


@pytest.mark.parametrize("host", ["localhost", "localhost:8080"])
def test_02_the_admin_slash_redirect_names_no_host(app, host):
    response = app.test_client().get("/admin", headers={"Host": host})
    assert response.status_code == 308
    assert response.headers["Location"] == "/admin/"


# 3. A Cookie header with bytes that are not UTF-8 gave a bare 500.
@pytest.mark.parametrize("path", ["/", ARTICLE, POST + "?before=1", "/admin/login"])
def test_03_a_cookie_that_is_not_utf8_is_ignored_everywhere(app, article, path):
    client = app.test_client(use_cookies=False)
    response = client.get(path, environ_overrides={"HTTP_COOKIE": "my_comments=\xff"})
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    posted = client.post(
        POST,
        data=comment_data(form_tokens(app.test_client(), ARTICLE), body=f"Posted from {path}"),
        environ_overrides={"HTTP_COOKIE": "my_comments=\xff; session=\xc3("},
    )
    assert posted.status_code == 303


# 4. Open redirect through a tab or newline in a return address.
HOSTILE_TARGETS = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/%09/evil.example",
    "\t//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "/ /evil.example",
    "/\x00/evil.example",
    "evil.example",
]


def is_on_site(location: str) -> bool:
    """Where a browser goes: it drops tabs and newlines and reads "\\" as "/"."""
    seen = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    parts = urlsplit(seen)
    return seen.startswith("/") and not seen.startswith("//") and not parts.netloc


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_04_return_addresses_never_leave_the_site(app, article, owner, target):
    signed_in = app.test_client()
    response = sign_in(signed_in, next_path=quote(target, safe=""))
    assert response.status_code == 303 and is_on_site(response.headers["Location"]), target
    notice = app.test_client().post("/cookies/accept", data={"next": target})
    assert notice.status_code == 303 and is_on_site(notice.headers["Location"]), target
    with app.app_context():
        add_comments(db.session.get(Article, 1), 1, status=CommentStatus.PENDING)
        held = db.session.scalar(select(Comment.id).order_by(Comment.id.desc()))
    token = TOKEN.search(signed_in.get("/admin/").get_data(as_text=True)).group(1)
    back = signed_in.post(
        f"/admin/comments/{held}/spam", data={"csrf_token": token, "back": target}
    )
    assert back.status_code == 303 and is_on_site(back.headers["Location"]), target


# 5. Signing out did not end the session.
def session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_05_a_session_copied_before_sign_out_no_longer_works(app, article, owner):
    browser = app.test_client()
    sign_in(browser)
    copied = session_cookie(browser)
    token = TOKEN.search(browser.get("/admin/").get_data(as_text=True)).group(1)
    assert browser.post("/admin/logout", data={"csrf_token": token}).status_code == 303
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/admin/").status_code == 302
    assert thief.get("/admin/words").headers["Location"].startswith("/admin/login")


def test_05_a_new_password_signs_out_every_device(app, article, owner, runner):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop)
    sign_in(phone)
    result = runner.invoke(
        args=["create-admin", "--username", "owner", "--password", "another long password"]
    )
    assert result.exit_code == 0, result.output
    assert laptop.get("/admin/").status_code == 302
    assert phone.get("/admin/").status_code == 302
    assert sign_in(laptop, password="another long password").status_code == 303


def test_05_signing_out_on_one_device_signs_out_the_others(app, article, owner):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop)
    sign_in(phone)
    token = TOKEN.search(laptop.get("/admin/").get_data(as_text=True)).group(1)
    laptop.post("/admin/logout", data={"csrf_token": token})
    assert phone.get("/admin/").status_code == 302


def test_05_an_idle_session_expires_after_admin_session_hours(app, article, owner, monkeypatch):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=12)  # the default's value
    browser = app.test_client()
    sign_in(browser)
    assert browser.get_cookie("session").expires is not None  # not a browser-session cookie
    import itsdangerous.timed

    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 11 * 3600)
    assert browser.get("/admin/").status_code == 200  # still in use: signed anew
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 24 * 3600)
    assert browser.get("/admin/").status_code == 302  # 13 idle hours later


# 6. Sign-in told unknown usernames from wrong passwords by timing.
def test_06_an_unknown_name_costs_the_same_hashing_as_a_wrong_password(app, owner, monkeypatch):
    checked = []
    real_check = auth.check_password_hash

    def spy(pwhash, password):
        checked.append(pwhash.split("$")[0])
        return real_check(pwhash, password)

    monkeypatch.setattr(auth, "check_password_hash", spy)
    client = app.test_client()
    assert sign_in(client, password="wrong password").status_code == 401
    token = TOKEN.search(client.get("/admin/login").get_data(as_text=True)).group(1)
    unknown = client.post(
        "/admin/login", data={"csrf_token": token, "username": "nobody", "password": "x" * 12}
    )
    assert unknown.status_code == 401
    assert unknown.get_data(as_text=True).count("do not match") == 1
    assert len(checked) == 2 and checked[0] == checked[1]  # same method and cost


# 7. The throttle let 6 password checks through a burst of 30.
def test_07_a_burst_of_sign_ins_gets_no_more_checks_than_the_limit(app, owner, monkeypatch):
    checks = []
    real_check = auth.check_password_hash
    monkeypatch.setattr(
        auth, "check_password_hash", lambda h, p: checks.append(1) or real_check(h, p)
    )
    clients = [app.test_client() for _ in range(30)]
    tokens = [TOKEN.search(c.get("/admin/login").get_data(as_text=True)).group(1) for c in clients]
    statuses = []
    start = threading.Barrier(30)

    def attempt(client, token):
        start.wait()
        data = {"csrf_token": token, "username": "owner", "password": "wrong password"}
        statuses.append(client.post("/admin/login", data=data).status_code)

    threads = [
        threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(checks) == app.config["LOGIN_MAX_FAILURES"] == 5
    assert sorted(statuses) == [401] * 5 + [429] * 25


# 8. Ids too large for the database gave 500s.
@pytest.mark.parametrize(
    "path",
    [
        POST + "?before=9223372036854775808",
        "/?before=99999999999999999999",
        POST + "/99999999999999999999",
        POST + "/9223372036854775807",
        POST + "?before=%C2%B2",
        "/?before=-1",
    ],
)
def test_08_an_id_out_of_range_is_a_404(app, article, path):
    assert app.test_client().get(path).status_code == 404


@pytest.mark.parametrize("bad", ["²", "99999999999999999999", "9223372036854775808", "0", "1e3"])
def test_08_admin_ids_out_of_range_are_refused(app, article, owner, bad):
    client = app.test_client()
    sign_in(client)
    assert client.get(f"/admin/?before={bad}").status_code == 404
    token = TOKEN.search(client.get("/admin/").get_data(as_text=True)).group(1)
    bulk = client.post(
        "/admin/comments/bulk", data={"csrf_token": token, "action": "delete", "ids": ["1", bad]}
    )
    assert bulk.status_code == 400
    assert "not ones this site has" in bulk.get_data(as_text=True)


# 9. Invisible names were accepted, and a lone right-to-left override.
@pytest.mark.parametrize(
    "name",
    ["\u200b\u200b", "\u2800", "\u3164", "\ufeff", "\u200b\u2800\u3164\ufeff", "\u202e", "\u2066 "],
)
def test_09_a_name_must_show_a_letter_or_digit(app, htmx_client, article, name):
    response = htmx_client.post(
        POST, data=comment_data(form_tokens(htmx_client, ARTICLE), name=name)
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please enter your name." in html or "at least one letter or digit" in html
    assert stored(app) == []


def test_09_bidirectional_controls_are_removed_and_names_isolated(app, client, article):
    post(client, name="\u202eevil\u2066 Grace", body="Looks right to left?")
    (comment,) = stored(app)
    assert comment.author_name == "evil Grace"
    assert "<bdi>evil Grace</bdi>" in client.get(ARTICLE).get_data(as_text=True)


def test_09_a_comment_of_invisible_characters_is_refused(app, htmx_client, article):
    body = "\u200b\u200b\u2800\u3164"
    response = htmx_client.post(
        POST, data=comment_data(form_tokens(htmx_client, ARTICLE), body=body)
    )
    assert response.status_code == 422 and stored(app) == []


# 10. Multipart bodies with invalid UTF-8 were stored with U+FFFD.
def test_10_a_multipart_body_that_is_not_utf8_is_refused_like_a_urlencoded_one(app, article):
    client = app.test_client()
    started = form_tokens(client, ARTICLE)["comment-started"]
    boundary = "b0undary"
    fields = {
        "comment-started": started.encode(),
        "comment-name": b"Grace \xff Reader",
        "comment-email": b"grace@example.com",
        "comment-body": b"Bytes \xc3\x28 that are not UTF-8.",
    }
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode()
            + v
            + b"\r\n"
            for k, v in fields.items()
        )
        + f"--{boundary}--\r\n".encode()
    )
    for content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data = body if content_type.startswith("multipart") else b"comment-name=%FF&comment-body=x"
        response = client.post(POST, data=data, content_type=f"{content_type}; boundary={boundary}")
        assert response.status_code == 400, content_type
        assert "not valid UTF-8" in response.get_data(as_text=True)
    assert stored(app) == []


# 11. First-time moderation trusted the email alone.
def test_11_only_the_same_name_and_email_skip_moderation(app, client, article):
    app.config["COMMENT_MODERATION"] = "first-time"
    with app.app_context():
        add_comments(db.session.get(Article, 1), 1)  # Reader 1, reader1@example.com: approved
    post(client, name="Impostor", email="READER1@example.com", body="Pretending to be a regular.")
    post(client, name="Reader 1", email="Reader1@Example.com", body="The regular, back again.")
    statuses = {c.body: c.status for c in stored(app)}
    assert statuses["Pretending to be a regular."] == CommentStatus.PENDING
    assert statuses["The regular, back again."] == CommentStatus.PUBLISHED


# 12. COMMENT_FLOOD_SECONDS=0 still refused posts.
def test_12_with_the_flood_limit_off_nothing_is_throttled(app, article, monkeypatch):
    app.config["COMMENT_FLOOD_SECONDS"] = 0
    from blog.models import utcnow

    moments = iter(utcnow() - timedelta(seconds=n) for n in range(100))  # a clock that lags
    monkeypatch.setattr("blog.web.throttle.utcnow", lambda: next(moments))
    client = app.test_client()
    for n in range(12):
        assert post(client, body=f"Quick note number {n}.").status_code == 303
    assert len(stored(app)) == 12


def test_12_with_a_limit_a_quick_second_post_waits(app, article):
    app.config["COMMENT_FLOOD_SECONDS"] = 30
    client = app.test_client()
    assert post(client, body="The first note.").status_code == 303
    second = post(client, body="The second note, too soon.")
    assert second.status_code == 429 and len(stored(app)) == 1


# 13. A database locked past the busy timeout gave a 500, and lost the comment.
def hold_the_write_lock(app):
    """Another writer, holding the database's write lock until closed."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        holder = sqlite3.connect(uri.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        return holder
    connection = create_engine(uri).connect()
    connection.execute(text("SELECT * FROM article FOR UPDATE"))
    connection.execute(text("LOCK TABLE comment IN EXCLUSIVE MODE"))
    return connection


@pytest.mark.parametrize("htmx", [True, False])
def test_13_a_locked_database_answers_503_and_keeps_the_comment(app, article, caplog, htmx):
    client = app.test_client()
    data = comment_data(form_tokens(client, ARTICLE), body="Words I do not want to type twice.")
    with app.app_context():
        db.engine.dispose()
    config = {k: v for k, v in app.config.items() if k != "SQLALCHEMY_ENGINE_OPTIONS"}
    busy = create_app({**config, "DATABASE_BUSY_SECONDS": 0.3})
    holder = hold_the_write_lock(busy)
    try:
        with caplog.at_level(logging.WARNING):
            response = busy.test_client().post(
                POST, data=data, headers={"HX-Request": "true"} if htmx else {}
            )
    finally:
        holder.close()
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Words I do not want to type twice." in html and "was not saved" in html
    assert ("<html" in html) is not htmx  # the whole page only without JavaScript
    assert len([r for r in caplog.records if "database unavailable" in r.getMessage()]) == 1
    assert stored(app) == []
    with busy.app_context():
        db.engine.dispose()


# 14. An unreadable or read-only database: a bare 500, and writes after "read-only".
def test_14_a_database_that_cannot_be_opened_is_a_503_page_with_headers(tmp_path):
    gone = create_app(
        {
            "SECRET_KEY": "k",
            "SITE_URL": "http://localhost",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/folder/blog.sqlite3",
        }
    )
    client = gone.test_client()
    for path in ("/", ARTICLE, POST + "?before=2"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "Content-Security-Policy" in response.headers
        assert response.headers["Retry-After"] == "5"
        assert "temporarily unavailable" in response.get_data(as_text=True)


@sqlite_only
def test_14_a_database_made_read_only_takes_no_more_writes(app, article, owner):
    client = app.test_client()
    admin = app.test_client()
    sign_in(admin)
    assert post(client, body="Before the file was made read-only.").status_code == 303
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    os.chmod(path, 0o444)  # pooled connections were opened read-write before this
    try:
        refused = post(client, body="After it was made read-only.")
        assert refused.status_code == 503
        assert "After it was made read-only." in refused.get_data(as_text=True)
        assert "Content-Security-Policy" in refused.headers
        token = TOKEN.search(admin.get("/admin/words").get_data(as_text=True)).group(1)
        words = admin.post("/admin/words", data={"csrf_token": token, "hold": "x", "block": ""})
        assert words.status_code == 503
        assert client.get(ARTICLE).status_code == 200  # reading goes on
    finally:
        os.chmod(path, 0o644)
    assert [c.body for c in stored(app)] == ["Before the file was made read-only."]


# 15. A poster's stale page after moderation.
@pytest.mark.parametrize("action", ["spam", "delete"])
def test_15_a_posters_page_changes_when_their_comment_is_moderated(app, article, owner, action):
    """A page that shows a reader their held comment carries no validator, so no 304 can
    bring it back once the comment is refused; the next view shows the page without it."""
    app.config["COMMENT_MODERATION"] = "all"
    poster = app.test_client()
    post(poster, body="Held, then refused.")
    views = [("GET", ARTICLE, {}), ("GET", POST, {"HX-Request": "true"})]
    for _, path, headers in views:
        seen = poster.get(path, headers=headers)
        assert "Held, then refused." in seen.get_data(as_text=True)
        assert "ETag" not in seen.headers and "Last-Modified" not in seen.headers
        assert seen.headers["Cache-Control"] == "private, no-cache"
    admin = app.test_client()
    sign_in(admin)
    token = TOKEN.search(admin.get("/admin/").get_data(as_text=True)).group(1)
    (held,) = stored(app)
    admin.post(f"/admin/comments/{held.id}/{action}", data={"csrf_token": token})
    for _, path, headers in views:
        again = poster.get(path, headers=headers)
        assert again.status_code == 200
        assert "Held, then refused." not in again.get_data(as_text=True)
        assert "awaiting moderation" not in again.get_data(as_text=True)


# Found again when the fixes were attacked: variants of the findings above.
def test_05_reading_public_pages_neither_renews_nor_extends_the_admin_session(
    app, article, owner, monkeypatch
):
    browser = app.test_client()
    sign_in(browser)
    for path in ("/", ARTICLE, POST + "?before=1"):
        response = browser.get(path)
        assert "Set-Cookie" not in response.headers, path  # a shareable page, no cookie
    import itsdangerous.timed

    real_time = itsdangerous.timed.time.time
    for hours in (6, 11):  # reading the blog all day, never the admin
        monkeypatch.setattr(itsdangerous.timed.time, "time", lambda h=hours: real_time() + h * 3600)
        browser.get(ARTICLE)
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 13 * 3600)
    assert browser.get("/admin/").status_code == 302


def test_02_the_cached_comment_form_never_carries_an_unexpected_script_root(
    app, htmx_client, article
):
    odd = htmx_client.post(
        POST,
        data=comment_data(form_tokens(htmx_client, ARTICLE), body="Under a prefix."),
        environ_overrides={"SCRIPT_NAME": "/evil"},
    )
    assert odd.status_code == 200
    usual = htmx_client.post(
        POST, data=comment_data(form_tokens(htmx_client, ARTICLE), body="Without one.")
    )
    assert "/evil" not in usual.get_data(as_text=True)


@pytest.mark.parametrize("host", ["localhost", "localhost:1"])
def test_02_a_doubled_slash_is_never_redirected_to_the_requests_host(app, article, host):
    response = app.test_client().get("/articles//a-quiet-article", headers={"Host": host})
    assert response.status_code == 404 and "Location" not in response.headers


def test_10_raw_bytes_in_a_urlencoded_body_are_refused_not_dropped(app, article):
    client = app.test_client()
    started = form_tokens(client, ARTICLE)["comment-started"]
    body = f"comment-started={started}&comment-name=Caf\xc3%A9&comment-body=caf\xc3%A9 au lait"
    response = client.post(
        POST,
        data=body.encode("latin-1"),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "not valid UTF-8" in response.get_data(as_text=True)
    assert stored(app) == []


def test_10_a_multipart_part_in_another_charset_is_refused(app, article):
    client = app.test_client()
    started = form_tokens(client, ARTICLE)["comment-started"]
    boundary = "b0undary"
    parts = [
        ("comment-started", "", started.encode()),
        ("comment-name", "", b"Grace"),
        ("comment-email", "", b"grace@example.com"),
        ("comment-body", "Content-Type: text/plain; charset=iso-8859-1\r\n", "café".encode()),
    ]
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n{extra}\r\n'.encode()
            + value
            + b"\r\n"
            for name, extra, value in parts
        )
        + f"--{boundary}--\r\n".encode()
    )
    response = client.post(
        POST, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400 and stored(app) == []


def test_10_a_body_that_is_not_a_form_is_refused(app, article):
    client = app.test_client()
    response = client.post(POST, json={"comment-name": "Grace", "comment-body": "JSON words"})
    assert response.status_code == 415
    assert "Content-Security-Policy" in response.headers
    assert stored(app) == []


@sqlite_only
def test_14_a_file_that_is_not_a_database_is_a_503(tmp_path):
    damaged = tmp_path / "blog.sqlite3"
    damaged.write_bytes(b"this is not a database, only some words" * 200)
    app = create_app(
        {
            "SECRET_KEY": "k",
            "SITE_URL": "http://localhost",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{damaged}",
        }
    )
    client = app.test_client()
    for path in ("/", ARTICLE, "/admin/login"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "Content-Security-Policy" in response.headers


@pytest.mark.skipif(ON_SQLITE, reason="about PostgreSQL's read-only transactions")
def test_14_a_read_only_postgresql_database_is_a_503_that_keeps_the_comment(app, article):
    config = {k: v for k, v in app.config.items() if k != "SQLALCHEMY_ENGINE_OPTIONS"}
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "connect_args": {"options": "-c default_transaction_read_only=on"}
    }
    read_only = create_app(config)
    client = read_only.test_client()
    data = comment_data(form_tokens(client, ARTICLE), body="Typed while it was read-only.")
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(POST, data=data, headers=headers)
        assert response.status_code == 503
        assert "Typed while it was read-only." in response.get_data(as_text=True)
    with read_only.app_context():
        db.engine.dispose()
    assert stored(app) == []


def test_14_a_post_when_the_database_cannot_be_opened_keeps_the_comment(tmp_path):
    gone = create_app(
        {
            "SECRET_KEY": "k",
            "SITE_URL": "http://localhost",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/folder/blog.sqlite3",
        }
    )
    data = comment_data({"comment-started": "x"}, body="Words that must not be lost.")
    for headers in ({}, {"HX-Request": "true"}):
        response = gone.test_client().post(POST, data=data, headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert "Words that must not be lost." in html
        assert 'action="/articles/a-quiet-article/comments"' in html
