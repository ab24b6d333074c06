"""Security headers, cookies, encodings and body size."""

import pytest
from support import ARTICLE, STARTED, comment_data, form_tokens, make_article

from blog import create_app

POST = ARTICLE + "/comments"


@pytest.mark.parametrize("path", ["/", ARTICLE, "/terms", "/nowhere", "/static/css/blog.css"])
def test_security_headers_on_every_response(article, client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]


def test_no_inline_script_or_event_handler_in_any_page(article, client):
    import re

    for path in ("/", ARTICLE, "/terms", "/admin/login", "/nowhere"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert "hx-on" not in html and "style=" not in html, path


def test_every_cookie_is_httponly_and_lax(article, client):
    client.get(ARTICLE)
    assert not list(client._cookies), "reading set a cookie"
    client.get("/admin/login")  # the sign-in form's token lives in the session
    client.post("/cookies/accept", data={"next": "/"})
    client.post(POST, data=comment_data(form_tokens(client, ARTICLE)))
    for name in ("session", "cookie_consent", "my_comments"):
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure, name


def test_cookies_are_secure_when_served_over_https(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SITE_URL": "https://localhost",
            "SITE_HTTPS": True,
            "COMMENT_MIN_FILL_SECONDS": 0,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.db'}",
        }
    )
    with app.app_context():
        from blog.extensions import db

        db.create_all()
        make_article()
    client = app.test_client()
    page = client.get("/", base_url="https://localhost")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Set-Cookie" not in page.headers
    sign_in = client.get("/admin/login", base_url="https://localhost")
    assert "Secure" in sign_in.headers["Set-Cookie"]
    same_site = {"Sec-Fetch-Site": "same-origin", "Origin": "https://localhost"}
    consent = client.post("/cookies/accept", base_url="https://localhost", headers=same_site)
    assert consent.status_code == 303 and "Secure" in consent.headers["Set-Cookie"]
    started = STARTED.search(
        client.get(ARTICLE, base_url="https://localhost").get_data(as_text=True)
    )
    posted = client.post(
        POST,
        data=comment_data({"comment-started": started.group(1)}),
        base_url="https://localhost",
        headers=same_site,
    )
    assert posted.status_code == 303
    assert posted.headers["Location"].startswith("/articles/a-quiet-article#comment-")
    assert "Secure" in posted.headers["Set-Cookie"]
    with app.app_context():
        db.engine.dispose()


def test_invalid_utf8_gets_a_clean_400(app, client, htmx_client, article):
    tokens = form_tokens(client, ARTICLE)
    body = (
        f"comment-started={tokens['comment-started']}&comment-name=A%FF%FEB"
        "&comment-email=a%40example.com&comment-body=Hello+there"
    )
    kind = "application/x-www-form-urlencoded"
    response = client.post(POST, data=body, content_type=kind)
    assert response.status_code == 400
    assert "not valid UTF-8" in response.get_data(as_text=True)
    inline = htmx_client.post(POST, data=body, content_type=kind)
    assert inline.status_code == 400
    assert "hx-swap-oob" in inline.get_data(as_text=True)
    assert inline.headers["HX-Reswap"] == "none"
    assert stored(app) == 0


@pytest.mark.parametrize(
    "body", ["A%FF%FEB", "A%C3%28", "%ED%A0%80", "plain\xff".encode("latin-1")], ids=repr
)
def test_every_form_body_that_is_not_utf8_is_refused_whole(app, client, article, body):
    hidden = form_tokens(client, ARTICLE)["comment-started"].encode()
    name = body if isinstance(body, bytes) else body.encode()
    raw = b"comment-started=" + hidden + b"&comment-name=" + name
    raw += b"&comment-email=a%40example.com&comment-body=Hello+there"
    response = client.post(POST, data=raw, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, response.status_code
    assert stored(app) == 0


def test_a_multipart_body_that_is_not_utf8_is_refused(app, client, article):
    hidden = form_tokens(client, ARTICLE)["comment-started"]
    fields = {"comment-started": hidden, "comment-email": "a@example.com"}
    parts = [
        f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(b'--b\r\nContent-Disposition: form-data; name="comment-name"\r\n\r\nBob\xff\r\n')
    parts.append(
        b'--b\r\nContent-Disposition: form-data; name="comment-body"\r\n\r\n'
        b"hello \xfe there\r\n--b--\r\n"
    )
    response = client.post(
        POST, data=b"".join(parts), content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 400
    assert "not valid UTF-8" in response.get_data(as_text=True)
    assert stored(app) == 0
    good = [p.replace(b"\xff", b"").replace(b"\xfe", b"") for p in parts]
    accepted = client.post(
        POST, data=b"".join(good), content_type="multipart/form-data; boundary=b"
    )
    assert accepted.status_code == 303 and stored(app) == 1


def test_oversized_body_gets_a_clean_413(app, client, htmx_client, article):
    tokens = form_tokens(client, ARTICLE)
    huge = comment_data(tokens, body="x" * (app.config["MAX_CONTENT_LENGTH"] + 10))
    response = client.post(POST, data=huge)
    assert response.status_code == 413
    assert "larger than this site accepts" in response.get_data(as_text=True)
    inline = htmx_client.post(POST, data=huge)
    assert inline.status_code == 413 and inline.headers["HX-Reswap"] == "none"


def test_control_characters_are_stripped_and_text_normalized(app, client, article):
    from sqlalchemy import select

    from blog.extensions import db
    from blog.models import Comment

    tokens = form_tokens(client, ARTICLE)
    client.post(
        POST,
        data=comment_data(tokens, name="Zo\u0065\u0301\x00\x07", body="Line\x00one\r\n\ttwo\x1b"),
    )
    with app.app_context():
        comment = db.session.scalar(select(Comment))
    assert comment.author_name == "Zo\u00e9"  # NFC, controls gone
    assert comment.body == "Lineone\n\ttwo"


def test_proxy_fix_is_configurable(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SITE_URL": "http://localhost",
            "PROXY_COUNT": 1,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )

    @app.get("/whoami")
    def whoami():
        from flask import request

        return request.remote_addr

    seen = app.test_client().get("/whoami", headers={"X-Forwarded-For": "198.51.100.7"})
    assert seen.get_data(as_text=True) == "198.51.100.7"
    plain = create_app(
        {"SECRET_KEY": "x", "SITE_URL": "http://localhost", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    plain.add_url_rule("/whoami", view_func=lambda: __import__("flask").request.remote_addr)
    spoofed = plain.test_client().get("/whoami", headers={"X-Forwarded-For": "198.51.100.7"})
    assert spoofed.get_data(as_text=True) == "127.0.0.1"


def stored(app) -> int:
    from sqlalchemy import func, select

    from blog.extensions import db
    from blog.models import Comment

    with app.app_context():
        return db.session.scalar(select(func.count(Comment.id)))


@pytest.mark.parametrize("path", ["/", ARTICLE, "/terms", "/nowhere", "/admin/login"])
@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "127.0.0.1"])
def test_a_host_the_site_is_not_served_at_gets_400(article, client, path, host):
    response = client.get(path, headers={"Host": host})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This site is not served at that address." in html
    assert host not in html and "Set-Cookie" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"  # still every security header
    assert client.get(path, headers={"Host": "localhost"}).status_code in (200, 404)


def test_a_post_to_another_host_stores_nothing(app, client, article):
    data = comment_data(form_tokens(client, ARTICLE))
    response = client.post(POST, data=data, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert stored(app) == 0


def test_trusted_hosts_extend_the_sites_own(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SITE_URL": "https://blog.example",
            "TRUSTED_HOSTS": "www.blog.example, ",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    client = app.test_client()
    assert client.get("/terms", base_url="https://blog.example").status_code == 200
    assert client.get("/terms", base_url="https://www.blog.example").status_code == 200
    assert client.get("/terms", base_url="https://localhost").status_code == 400


def test_a_forwarded_host_is_checked_like_a_host(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SITE_URL": "http://localhost",
            "PROXY_COUNT": 1,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    client = app.test_client()
    assert client.get("/terms", headers={"X-Forwarded-Host": "localhost"}).status_code == 200
    assert client.get("/terms", headers={"X-Forwarded-Host": "evil.example"}).status_code == 400


def test_unexpected_errors_are_never_swapped_as_a_page(app, client, htmx_client, article):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("broken")

    inline = htmx_client.get("/boom")
    assert inline.status_code == 500
    assert "<html" not in inline.get_data(as_text=True)
    assert inline.headers["HX-Reswap"] == "none"
    page = client.get("/boom")
    assert page.status_code == 500 and "Something went wrong" in page.get_data(as_text=True)
