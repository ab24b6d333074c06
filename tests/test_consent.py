"""The cookie notice: what it says, and dismissing it (no token; only from the site itself)."""

import pytest
from support import ARTICLE

NOTICE = "Test Notes sets no cookies while you read. A cookie is set only when you act:"


def test_cookie_notice_says_when_cookies_are_set(article, client):
    html = " ".join(client.get(ARTICLE).get_data(as_text=True).split())
    assert NOTICE in html
    for when in ("when you dismiss this notice", "when you post a comment", "signs in"):
        assert when in html
    assert "By continuing to use this site you consent to our cookies." not in html


def test_cookie_notice_shows_until_dismissed_without_javascript(article, client):
    assert NOTICE in " ".join(client.get(ARTICLE).get_data(as_text=True).split())
    response = client.post("/cookies/accept", data={"next": ARTICLE})
    assert response.status_code == 303
    assert response.headers["Location"] == ARTICLE
    cookie = response.headers["Set-Cookie"]
    assert "cookie_consent=1" in cookie and "Max-Age=" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert int(cookie.split("Max-Age=")[1].split(";")[0]) >= 365 * 24 * 3600
    for path in ("/", ARTICLE, "/terms"):
        assert 'id="cookie-notice"' not in client.get(path).get_data(as_text=True), path


def test_the_notice_form_carries_no_token(client):
    html = client.get("/").get_data(as_text=True)
    notice = html.split('<section id="cookie-notice"')[1].split("</section>")[0]
    assert "csrf" not in notice
    assert "Set-Cookie" not in client.get("/").headers


def test_cookie_notice_dismissed_inline(client, htmx_client):
    response = htmx_client.post("/cookies/accept", data={"next": "/"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == ""  # htmx deletes the notice in place
    assert "cookie_consent=1" in response.headers["Set-Cookie"]
    assert 'id="cookie-notice"' not in client.get("/").get_data(as_text=True)


def test_cookie_notice_form_swaps_itself_away(client):
    html = client.get("/").get_data(as_text=True)
    assert 'hx-post="/cookies/accept" hx-target="#cookie-notice" hx-swap="delete"' in html
    assert '<form method="post" action="/cookies/accept"' in html  # and works without htmx


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Origin": "https://evil.example"},
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_dismissal_from_another_site_is_refused(article, client, headers, htmx):
    if htmx:
        headers = {**headers, "HX-Request": "true"}
    response = client.post("/cookies/accept", data={"next": "/"}, headers=headers)
    assert response.status_code == 403
    assert "must be sent from Test Notes itself" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert client.get_cookie("cookie_consent") is None
    assert 'id="cookie-notice"' in client.get(ARTICLE).get_data(as_text=True)


def test_a_dismissal_from_the_site_itself_is_accepted(client):
    headers = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
    response = client.post("/cookies/accept", data={"next": "/"}, headers=headers)
    assert response.status_code == 303
    assert "cookie_consent=1" in response.headers["Set-Cookie"]


def test_dismissal_never_redirects_off_site(client):
    for target in (
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "",
    ):
        response = client.post("/cookies/accept", data={"next": target})
        assert response.headers["Location"] == "/"
