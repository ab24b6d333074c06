"""Security headers, cookies, encodings and body size."""

import pytest
from support import TOKEN, comment_data, form_tokens

from blog import create_app

ARTICLE = "/articles/a-quiet-article"
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


def test_session_and_consent_cookies_are_httponly_and_lax(article, client):
    form_tokens(client, ARTICLE)  # creates the session (CSRF token)
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure


def test_cookies_are_secure_when_served_over_https(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SITE_HTTPS": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.db'}",
        }
    )
    with app.app_context():
        from blog.extensions import db

        db.create_all()
    client = app.test_client()
    response = client.get("/", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    token = TOKEN.search(response.get_data(as_text=True)).group(1)
    consent = client.post(
        "/cookies/accept",
        data={"csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/"},
    )
    assert "Secure" in consent.headers["Set-Cookie"]


def test_invalid_utf8_gets_a_clean_400(app, client, htmx_client, article):
    tokens = form_tokens(client, ARTICLE)
    body = (
        f"comment-csrf_token={tokens['comment-csrf_token']}&comment-started="
        f"{tokens['comment-started']}&comment-name=A%FF%FEB&comment-email=a%40example.com"
        "&comment-body=Hello+there"
    )
    kind = "application/x-www-form-urlencoded"
    response = client.post(POST, data=body, content_type=kind)
    assert response.status_code == 400
    assert "not valid UTF-8" in response.get_data(as_text=True)
    inline = htmx_client.post(POST, data=body, content_type=kind)
    assert inline.status_code == 400
    assert "hx-swap-oob" in inline.get_data(as_text=True)
    assert inline.headers["HX-Reswap"] == "none"


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
    app = create_app({"SECRET_KEY": "x", "PROXY_COUNT": 1, "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    @app.get("/whoami")
    def whoami():
        from flask import request

        return request.remote_addr

    seen = app.test_client().get("/whoami", headers={"X-Forwarded-For": "198.51.100.7"})
    assert seen.get_data(as_text=True) == "198.51.100.7"
    plain = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    plain.add_url_rule("/whoami", view_func=lambda: __import__("flask").request.remote_addr)
    spoofed = plain.test_client().get("/whoami", headers={"X-Forwarded-For": "198.51.100.7"})
    assert spoofed.get_data(as_text=True) == "127.0.0.1"


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
