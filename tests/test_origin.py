"""Cross-site forgery protection without tokens: the decision table, then every public form."""

import pytest
from sqlalchemy import func, select
from support import ARTICLE, comment_data, form_tokens

from blog.extensions import db
from blog.models import Comment
from blog.settings import as_list
from blog.web.origin import allowed, origin_of

SITE = "https://blog.example"
TRUSTED = frozenset({"https://partner.example"})  # extras; the site's own is SITE


@pytest.mark.parametrize(
    ("method", "fetch_site", "origin", "expected"),
    [
        # Safe methods are always allowed, whatever they claim.
        ("GET", "cross-site", "https://evil.example", True),
        ("HEAD", "cross-site", None, True),
        ("OPTIONS", "same-site", "null", True),
        # A modern browser says where the request came from.
        ("POST", "same-origin", None, True),
        ("POST", "none", None, True),  # typed in the address bar, a bookmark
        ("POST", "same-origin", "https://evil.example", True),  # Fetch Metadata decides
        ("POST", "cross-site", None, False),
        ("POST", "cross-site", "https://evil.example", False),
        ("POST", "same-site", "https://sub.blog.example", False),
        ("POST", "cross-site", "https://partner.example", True),  # a trusted origin
        ("POST", "cross-site", SITE, False),  # only origins added explicitly, as in Go
        ("PUT", "cross-site", None, False),
        ("DELETE", "same-site", None, False),
        ("POST", "something-new", None, False),
        # An older browser: only Origin.
        ("POST", None, SITE, True),
        ("POST", None, "https://partner.example", True),
        ("POST", None, "https://evil.example", False),
        ("POST", None, "null", False),  # sandboxed frames, some redirects
        ("POST", None, "http://blog.example", False),  # another scheme is another origin
        ("POST", None, "https://blog.example:8443", False),  # another port too
        # Neither header: not a browser page, so no reader's cookies ride along.
        ("POST", None, None, True),
        ("patch", "cross-site", None, False),
    ],
)
def test_decision_table(method, fetch_site, origin, expected):
    assert allowed(method, fetch_site, origin, SITE, TRUSTED) is expected


def test_origins_are_normalized_as_browsers_send_them():
    assert origin_of("HTTPS://Blog.Example:443/some/path?q") == "https://blog.example"
    assert origin_of("http://127.0.0.1:5000/") == "http://127.0.0.1:5000"
    assert origin_of("http://example.org:80") == "http://example.org"
    assert [origin_of(o) for o in as_list("https://A.example:443, ")] == ["https://a.example"]
    assert origin_of("https://Bücher.example/") == "https://xn--bcher-kva.example"


def stored_comments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Comment.id)))


CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "same-site", "Origin": "https://sub.localhost"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
]


@pytest.mark.parametrize("headers", CROSS_SITE)
@pytest.mark.parametrize("htmx", [False, True])
def test_cross_site_comment_posts_are_refused_and_store_nothing(
    app, article, client, headers, htmx
):
    hidden = form_tokens(client, ARTICLE)
    if htmx:
        headers = {**headers, "HX-Request": "true"}
    response = client.post(ARTICLE + "/comments", data=comment_data(hidden), headers=headers)
    assert response.status_code == 403
    assert "must be sent from Test Notes itself" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert stored_comments(app) == 0
    if htmx:  # told in the status region; the page stays as it is
        assert response.headers["HX-Reswap"] == "none"


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_cross_site_cookie_notice_dismissal_is_refused(article, client, headers):
    response = client.post("/cookies/accept", data={"next": "/"}, headers=headers)
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers
    assert 'id="cookie-notice"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
        {"Origin": "http://localhost"},
        {},
    ],
)
def test_posts_from_the_site_itself_are_accepted(app, article, client, headers):
    hidden = form_tokens(client, ARTICLE)
    response = client.post(ARTICLE + "/comments", data=comment_data(hidden), headers=headers)
    assert response.status_code == 303
    assert stored_comments(app) == 1


def test_a_trusted_origin_may_post(app, article, client):
    app.config["TRUSTED_ORIGIN_SET"] = frozenset({"https://www.localhost"})
    hidden = form_tokens(client, ARTICLE)
    headers = {"Sec-Fetch-Site": "same-site", "Origin": "https://www.localhost"}
    response = client.post(ARTICLE + "/comments", data=comment_data(hidden), headers=headers)
    assert response.status_code == 303


def test_admin_sign_in_is_refused_cross_site_before_its_token_is_read(client):
    response = client.post(
        "/admin/login",
        data={"username": "owner", "password": "x"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
