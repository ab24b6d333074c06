from support import csrf_token


def test_cookie_notice_shows_until_dismissed_without_javascript(article, client):
    html = client.get("/articles/a-quiet-article").get_data(as_text=True)
    assert (
        "uses cookies" in html
        and "By continuing to use this site you consent to our cookies." in html
    )
    token = csrf_token(client, "/")
    response = client.post(
        "/cookies/accept", data={"csrf_token": token, "next": "/articles/a-quiet-article"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/articles/a-quiet-article"
    cookie = response.headers["Set-Cookie"]
    assert "cookie_consent=1" in cookie and "Max-Age=" in cookie and "HttpOnly" in cookie
    assert int(cookie.split("Max-Age=")[1].split(";")[0]) >= 365 * 24 * 3600
    assert "uses cookies" not in client.get("/").get_data(as_text=True)
    assert "uses cookies" not in client.get("/terms").get_data(as_text=True)


def test_cookie_notice_dismissed_inline(client, htmx_client):
    token = csrf_token(client, "/")
    response = htmx_client.post("/cookies/accept", data={"csrf_token": token})
    assert response.status_code == 200
    assert "cookie_consent=1" in response.headers["Set-Cookie"]
    assert "uses cookies" not in client.get("/").get_data(as_text=True)


def test_cookie_notice_form_swaps_itself_away(client):
    html = client.get("/").get_data(as_text=True)
    assert 'hx-post="/cookies/accept" hx-target="#cookie-notice" hx-swap="delete"' in html


def test_dismissal_needs_a_csrf_token(client):
    response = client.post("/cookies/accept", data={"next": "/"})
    assert response.status_code == 400
    assert (
        "Set-Cookie" not in response.headers
        or "cookie_consent" not in response.headers["Set-Cookie"]
    )


def test_dismissal_never_redirects_off_site(client):
    token = csrf_token(client, "/")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/cookies/accept", data={"csrf_token": token, "next": target})
        assert response.headers["Location"] == "/"
