import hashlib
import hmac
import re
import time
from datetime import datetime

import pytest
from sqlalchemy import func, select
from support import ARTICLE, add_comments, comment_data, form_tokens, make_article
from werkzeug.http import parse_date

from blog.comments.own_comments import PURPOSE
from blog.extensions import db
from blog.models import Article, Comment
from blog.signing import unsign

POST = ARTICLE + "/comments"


def stored_comments(app) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(select(Comment).order_by(Comment.id)))


def shown_comment_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"Comment number (\d+)\.", html)]


# --- reading and loading more -------------------------------------------------------


def test_the_newest_page_of_comments_is_shown_oldest_first(app, client):
    with app.app_context():
        add_comments(make_article(), 5)
    html = client.get(ARTICLE).get_data(as_text=True)
    assert shown_comment_numbers(html) == [3, 4, 5]
    assert "5 Comments" in html  # every published comment, not only this page's
    assert ">Show earlier comments</a>" in html
    assert html.index('id="comments-earlier"') < html.index('id="comment-list"')  # above
    assert re.search(r'<li id="comment-3" class="comment comment--level-0">', html)
    assert '<time datetime="2008-01-01T10:02:00+00:00">January 1st, 2008 at 10:02 AM</time>' in html
    assert 'href="/articles/a-quiet-article/comments/3"' in html  # permalink


def test_show_earlier_under_htmx_inserts_each_page_above(app, client, htmx_client):
    with app.app_context():
        add_comments(make_article(), 7)
    html = client.get(ARTICLE).get_data(as_text=True)
    earlier = re.search(r'hx-get="([^"]+)"', html.split('id="comments-earlier"')[1]).group(1)
    seen = shown_comment_numbers(html)
    while earlier:
        response = htmx_client.get(earlier.replace("&amp;", "&"))
        fragment = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<html" not in fragment
        assert '<ol hx-swap-oob="afterbegin:#comment-list">' in fragment
        assert 'id="comments-earlier"' in fragment
        seen = shown_comment_numbers(fragment) + seen
        found = re.search(r'hx-get="([^"]+)"', fragment.split('id="comments-earlier"')[1])
        earlier = found.group(1) if found and "comments?before=" in found.group(1) else None
    assert seen == list(range(1, 8))


def test_show_earlier_without_javascript_is_a_working_link(app, client):
    with app.app_context():
        add_comments(make_article(), 7)
    html = client.get(ARTICLE).get_data(as_text=True)
    seen = shown_comment_numbers(html)
    while 'href="/articles/a-quiet-article/comments?before=' in html:
        link = re.search(r'href="(/articles/a-quiet-article/comments\?before=\d+)"', html).group(1)
        response = client.get(link)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<html" in html and "Back to the newest comments" in html
        assert "Leave a Comment" in html
        seen = shown_comment_numbers(html) + seen
    assert seen == list(range(1, 8))


def test_comment_permalink_redirects_to_the_page_that_shows_it(app, client):
    with app.app_context():
        add_comments(make_article(), 7)
    newest = client.get(ARTICLE + "/comments/6")
    assert newest.status_code == 302
    assert newest.headers["Location"] == "/articles/a-quiet-article#comment-6"
    earlier = client.get(ARTICLE + "/comments/2")
    assert earlier.headers["Location"] == "/articles/a-quiet-article/comments?before=3#comment-2"
    page = client.get(earlier.headers["Location"]).get_data(as_text=True)
    assert shown_comment_numbers(page)[-1] == 2
    for missing in ("999", "0", "99999999999999999999", "-1", "2.0", "+2"):
        assert client.get(f"{ARTICLE}/comments/{missing}").status_code == 404, missing


def test_a_comment_id_in_other_digits_is_a_404(app, client):
    """Only ASCII digits name an id: "٢" (Arabic-Indic two) is not comment 2."""
    with app.app_context():
        add_comments(make_article(), 2)
    assert client.get(ARTICLE + "/comments/2").status_code == 302
    for other in ("\u0662", "\uff12", "\U0001d7d0"):  # Arabic-Indic, fullwidth, bold 2
        assert client.get(f"{ARTICLE}/comments/{other}").status_code == 404, other


@pytest.mark.parametrize("before", ["x", "0", "-3", "1e3", "\u0663", "99999999999999999999", ""])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_comments_cursor_is_a_404(app, client, before, htmx):
    with app.app_context():
        add_comments(make_article(), 7)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(ARTICLE + "/comments", query_string={"before": before}, headers=headers)
    assert response.status_code == 404
    assert "Comment number" not in response.get_data(as_text=True)


# --- posting ----------------------------------------------------------------------


def test_inline_post_inserts_comment_clears_form_updates_count_and_announces(
    app, client, htmx_client, article
):
    token = form_tokens(client, ARTICLE)
    response = htmx_client.post(POST, data=comment_data(token))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    # the fresh, empty form comes first: it replaces the one that was sent
    assert html.lstrip().startswith('<form id="comment-form"')
    assert (
        'id="comment-name" maxlength="80" name="comment-name" required type="text" value=""' in html
    )
    assert "A thoughtful reply." not in html.split("<ol hx-swap-oob")[0]
    assert '<ol hx-swap-oob="beforeend:#comment-list">' in html
    assert "<p>A thoughtful reply.</p><p>With a second paragraph.</p>" in html
    assert '<span id="comment-count" hx-swap-oob="outerHTML">1 Comment</span>' in html
    assert (
        'hx-swap-oob="innerHTML:#comment-status">Thank you, your comment has been posted.' in html
    )
    [comment] = stored_comments(app)
    assert comment.author_name == "Grace Reader"
    assert comment.body == "A thoughtful reply.\n\nWith a second paragraph."
    with app.app_context():
        assert db.session.scalar(select(Article.comment_count)) == 1


def test_status_region_is_a_live_region(article, client):
    html = client.get(ARTICLE).get_data(as_text=True)
    assert '<p id="comment-status" class="comment-status" role="status" aria-live="polite">' in html


def test_plain_post_redirects_to_the_new_comment(app, client, article):
    token = form_tokens(client, ARTICLE)
    response = client.post(POST, data=comment_data(token))
    assert response.status_code == 303
    assert response.headers["Location"] == "/articles/a-quiet-article#comment-1"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A thoughtful reply." in page and "1 Comment" in page


def test_plain_post_to_a_long_thread_lands_on_the_article_page_showing_it(app, client):
    """The defect this fixes: the article page showed the oldest comments, so a reader
    who posted to a long thread and reloaded did not find their comment."""
    with app.app_context():
        add_comments(make_article(), 4)
    token = form_tokens(client, ARTICLE)
    response = client.post(POST, data=comment_data(token))
    assert response.headers["Location"] == "/articles/a-quiet-article#comment-5"
    html = client.get(ARTICLE).get_data(as_text=True)
    assert '<li id="comment-5"' in html and "A thoughtful reply." in html


def test_website_becomes_a_nofollow_link(app, client, article):
    token = form_tokens(client, ARTICLE)
    client.post(POST, data=comment_data(token, website="https://grace.example.com/"))
    html = client.get(ARTICLE).get_data(as_text=True)
    link = '<a href="https://grace.example.com/" rel="nofollow ugc noopener">'
    assert f"{link}<bdi>Grace Reader</bdi></a>" in html


# --- validation --------------------------------------------------------------------

INVALID = [
    ({"name": ""}, "name", "Please enter your name."),
    ({"name": "   "}, "name", "Please enter your name."),
    ({"name": "n" * 81}, "name", "at most 80 characters"),
    ({"email": ""}, "email", "Please enter your email address."),
    ({"email": "not-an-email"}, "email", "Please enter a valid email address"),
    ({"email": "a@b"}, "email", "Please enter a valid email address"),
    ({"website": "javascript:alert(1)"}, "website", "starting with http:// or https://"),
    ({"website": "data:text/html,hi"}, "website", "starting with http:// or https://"),
    ({"website": "ftp://example.com"}, "website", "starting with http:// or https://"),
    ({"website": "https://" + "a" * 200 + ".com"}, "website", "at most 200 characters"),
    ({"body": ""}, "body", "Please write a comment."),
    ({"body": "x"}, "body", "between 2 and 5,000 characters"),
    ({"body": "x" * 5001}, "body", "between 2 and 5,000 characters"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), INVALID)
def test_invalid_inline_post_returns_form_with_error_at_the_field(
    app, client, htmx_client, article, overrides, field, message
):
    token = form_tokens(client, ARTICLE)
    response = htmx_client.post(POST, data=comment_data(token, **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="comment-form"')
    assert f'<p class="field-error" id="comment-{field}-error">' in html
    assert message in html.split(f'id="comment-{field}-error">')[1].split("</p>")[0]
    widget = re.search(rf'<(?:input|textarea)[^>]*id="comment-{field}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in widget
    assert f"comment-{field}-error" in widget.split('aria-describedby="')[1].split('"')[0]
    assert "autofocus" in widget
    assert stored_comments(app) == []


def test_invalid_post_keeps_typed_values_and_focuses_first_invalid(
    app, client, htmx_client, article
):
    token = form_tokens(client, ARTICLE)
    data = comment_data(token, name="", email="bad", body="Keep <this> text please")
    html = htmx_client.post(POST, data=data).get_data(as_text=True)
    assert 'value="bad"' in html
    assert "Keep &lt;this&gt; text please</textarea>" in html
    assert html.count("autofocus") == 1
    assert re.search(r'<input[^>]*autofocus[^>]*id="comment-name"', html)
    assert 'aria-invalid="true"' not in re.search(r"<textarea[^>]*>", html).group(0)


def test_invalid_plain_post_rerenders_the_whole_page_with_errors(app, client, article):
    token = form_tokens(client, ARTICLE)
    response = client.post(POST, data=comment_data(token, email="bad"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" in html and "A Quiet Article" in html
    assert "Please enter a valid email address" in html
    assert "A thoughtful reply." in html  # the typed comment, kept in the textarea
    assert stored_comments(app) == []


def test_hints_are_tied_to_their_fields(article, client):
    html = client.get(ARTICLE).get_data(as_text=True)
    email = re.search(r'<input[^>]*id="comment-email"[^>]*>', html).group(0)
    assert 'aria-describedby="comment-email-hint"' in email
    assert '<p class="hint" id="comment-email-hint">Never published.</p>' in html
    assert "aria-invalid" not in email


# --- cross-site posts --------------------------------------------------------------
# The form carries no token (the page is the same for every reader); a post sent from
# another site's page is refused by where the browser says it came from.

CROSS_SITE = [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}]


def test_the_comment_form_carries_no_token(article, client):
    html = client.get(ARTICLE).get_data(as_text=True)
    form = html.split('<form id="comment-form"')[1].split("</form>")[0]
    assert "csrf" not in form
    hidden = re.findall(r'<input[^>]*type="hidden"[^>]*>', form)
    assert len(hidden) == 1 and 'name="comment-started"' in hidden[0]


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_cross_site_inline_post_is_refused_in_the_status_region(
    app, client, htmx_client, article, headers
):
    response = htmx_client.post(
        POST, data=comment_data(form_tokens(client, ARTICLE)), headers=headers
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "This form must be sent from Test Notes itself. Nothing was saved." in html
    assert "<html" not in html and response.headers["HX-Reswap"] == "none"
    assert "Set-Cookie" not in response.headers
    assert stored_comments(app) == []


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_cross_site_plain_post_is_refused_with_a_page(app, client, article, headers):
    response = client.post(POST, data=comment_data(form_tokens(client, ARTICLE)), headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "<html" in html and "Nothing was saved." in html
    assert "Set-Cookie" not in response.headers
    assert stored_comments(app) == []
    with app.app_context():
        assert db.session.scalar(select(Article.comment_count)) == 0


def test_a_post_from_the_page_itself_is_accepted(app, client, htmx_client, article):
    same = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
    response = htmx_client.post(POST, data=comment_data(form_tokens(client, ARTICLE)), headers=same)
    assert response.status_code == 200
    assert len(stored_comments(app)) == 1


# --- the poster's cookie ------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_a_published_post_sets_the_posters_cookie(app, client, article, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    assert "Set-Cookie" not in client.get(ARTICLE).headers  # reading sets none
    response = client.post(POST, data=comment_data(form_tokens(client, ARTICLE)), headers=headers)
    assert response.status_code == (200 if htmx else 303)
    [comment] = stored_comments(app)
    assert comment.status == "published"
    [cookie] = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("my_comments=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=" in cookie and "Secure" not in cookie  # this test site is plain http
    # Expires agrees with Max-Age, for clients that know only the older of the two
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))
    expires = parse_date(re.search(r"Expires=([^;]+)", cookie).group(1)).timestamp()
    assert abs(expires - (time.time() + max_age)) <= 2


def test_a_refused_post_sets_no_cookie(app, client, article):
    response = client.post(POST, data=comment_data(form_tokens(client, ARTICLE), email="bad"))
    assert response.status_code == 422
    assert "Set-Cookie" not in response.headers
    assert client.get_cookie("my_comments") is None


def test_the_cookie_remembers_every_post_of_the_browser(app, client, article):
    app.config["COMMENT_MODERATION"] = "all"
    tokens = form_tokens(client, ARTICLE)
    client.post(POST, data=comment_data(tokens, body="First held thought."))
    client.post(POST, data=comment_data(tokens, body="Second held thought."))
    page = client.get(ARTICLE)
    assert "First held thought." in page.get_data(as_text=True)
    assert "Second held thought." in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-cache"
    assert "Set-Cookie" not in page.headers


def test_a_cookie_signed_before_signatures_changed_still_shows_its_comments(app, article):
    """Signatures were HMAC-SHA256 until November 2026: a reader's cookie from then still
    works; the same words signed with another key or for another purpose do not."""
    app.config["COMMENT_MODERATION"] = "all"
    poster = app.test_client()
    poster.post(POST, data=comment_data(form_tokens(poster, ARTICLE), body="Held from before."))
    entries = unsign(app.config["SECRET_KEY"], PURPOSE, poster.get_cookie("my_comments").value)
    assert entries

    def signed_then(key: str, purpose: str) -> str:
        mac = hmac.new(f"{purpose}:{key}".encode(), entries.encode(), hashlib.sha256)
        return f"{entries}.{mac.hexdigest()[:32]}"

    for key, purpose, shown in [
        (app.config["SECRET_KEY"], PURPOSE, True),
        ("another key", PURPOSE, False),
        (app.config["SECRET_KEY"], "comment-form-started", False),
    ]:
        reader = app.test_client()
        reader.set_cookie("my_comments", signed_then(key, purpose))
        assert ("Held from before." in reader.get(ARTICLE).get_data(as_text=True)) is shown


def test_unknown_article_post_is_404_and_stores_nothing(app, client, article):
    token = form_tokens(client, ARTICLE)
    response = client.post("/articles/nope/comments", data=comment_data(token))
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0


# --- hostile input ---------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<a href='javascript:alert(1)'>x</a>",
    "<svg onload=alert(1)>",
    "{{ 7*7 }}",
]


@pytest.mark.parametrize("payload", HOSTILE)
@pytest.mark.parametrize("field", ["name", "body"])
def test_hostile_text_is_shown_as_text(app, client, article, payload, field):
    token = form_tokens(client, ARTICLE)
    extra = {field: payload + " padding"} if field == "body" else {field: payload}
    client.post(POST, data=comment_data(token, **extra))
    html = client.get(ARTICLE).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<img src=x" not in html and "<svg onload" not in html
    assert "href='javascript" not in html
    assert "49 padding" not in html and ">49<" not in html
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped.replace('"', "&#34;").replace("'", "&#39;") in html


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        " javascript:x",
    ],
)
def test_hostile_website_is_refused_and_never_linked(app, client, article, website):
    token = form_tokens(client, ARTICLE)
    response = client.post(POST, data=comment_data(token, website=website))
    assert response.status_code == 422
    assert stored_comments(app) == []


def test_a_stored_bad_address_is_never_linked(app, client):
    with app.app_context():
        add_comments(make_article(), 1)
        db.session.execute(db.update(Comment).values(author_url="javascript:alert(1)"))
        db.session.commit()
    html = client.get(ARTICLE).get_data(as_text=True)
    assert "javascript:alert" not in html


def test_a_cursor_marks_a_place_in_this_articles_comments_whatever_became_of_it(
    app, client, htmx_client
):
    from blog.admin import moderation

    with app.app_context():
        article = make_article()
        other = make_article("other", "Other")
        add_comments(article, 2)  # ids 1, 2
        add_comments(other, 1)  # id 3, another article's
        add_comments(article, 2, start=datetime(2009, 1, 1))  # ids 4, 5

    def shown(anchor, reader=client):
        response = reader.get(f"{ARTICLE}/comments?before={anchor}")
        assert response.status_code == 200, (anchor, response.status_code)
        return re.findall(r'<li id="comment-(\d+)"', response.get_data(as_text=True))

    assert shown(4) == ["1", "2"]
    with app.app_context():  # the owner marks the oldest comment a reader saw as spam
        moderation.apply("spam", [4])
        db.session.commit()
    for reader in (client, htmx_client):
        assert shown(4, reader) == ["1", "2"], "Show earlier stopped working"
        assert shown(1, reader) == []  # nothing before the first
        # an id that is not one of this article's top-level comments (another article's,
        # or one deleted since) still marks a place: by id, as ids only ever grow
        assert shown(3, reader) == ["1", "2"]
        assert shown(999, reader) == ["1", "2", "5"]  # (4 is spam now)
