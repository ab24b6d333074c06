"""The owner's sign-in, moderation queue and word lists."""

import re

import pytest
from sqlalchemy import func, select
from support import TOKEN, add_comments, make_article
from werkzeug.security import generate_password_hash

from blog.extensions import db
from blog.models import AdminUser, Article, Comment, CommentStatus, WordRule

PASSWORD = "correct horse battery"


@pytest.fixture
def admin(app):
    with app.app_context():
        db.session.add(AdminUser(username="owner", password_hash=generate_password_hash(PASSWORD)))
        article = make_article()
        add_comments(article, 2)
        add_comments(article, 2, status=CommentStatus.PENDING, start=article.published_at)
        add_comments(article, 1, status=CommentStatus.SPAM, start=article.published_at)
        db.session.commit()


def token(client, path="/admin/login") -> str:
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, password=PASSWORD, **kw):
    return client.post(
        "/admin/login",
        data={"csrf_token": token(client), "username": "owner", "password": password},
        **kw,
    )


def count(app, status) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Comment.id)).where(Comment.status == status))


def article_count(app) -> int:
    with app.app_context():
        return db.session.get(Article, 1).comment_count


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/?status=spam", "/admin/words", "/admin/?status=pending"]
)
def test_anonymous_visitors_are_sent_to_sign_in(admin, client, htmx_client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")
    assert "Reader" not in response.get_data(as_text=True)
    assert htmx_client.get(path).status_code == 401


def test_anonymous_actions_change_nothing(app, admin, client, htmx_client):
    csrf = token(client)  # a valid token, from the sign-in page: only signing in is missing
    for url in ("/admin/comments/3/approve", "/admin/comments/3/delete"):
        assert client.post(url, data={"csrf_token": csrf}).status_code == 302
        assert htmx_client.post(url, data={"csrf_token": csrf}).status_code == 401
    bulk = {"csrf_token": csrf, "action": "delete", "ids": ["1", "2", "3"]}
    client.post("/admin/comments/bulk", data=bulk)
    client.post("/admin/words", data={"csrf_token": csrf, "hold": "x", "block": "y"})
    assert count(app, "pending") == 2 and count(app, "published") == 2
    with app.app_context():
        assert db.session.scalar(select(func.count(WordRule.id))) == 0


def test_sign_in_and_out(admin, client):
    response = sign_in(client)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/"
    page = client.get("/admin/").get_data(as_text=True)
    assert "Pending comments" in page
    client.post("/admin/logout", data={"csrf_token": token(client, "/admin/")})
    assert client.get("/admin/").status_code == 302


def test_wrong_password_is_refused_and_throttled(app, admin, client):
    app.config["LOGIN_MAX_FAILURES"] = 3
    for _ in range(3):
        response = sign_in(client, password="wrong")
        assert response.status_code == 401
        assert "do not match" in response.get_data(as_text=True)
    locked = sign_in(client)  # even the right password waits now
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    other = app.test_client()
    assert sign_in(other, environ_base={"REMOTE_ADDR": "192.0.2.44"}).status_code == 303


def test_sign_in_needs_csrf(admin, client):
    response = client.post("/admin/login", data={"username": "owner", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_sign_in_redirect_stays_on_site(admin, client):
    response = client.post(
        "/admin/login?next=//evil.example/",
        data={"csrf_token": token(client), "username": "owner", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_queue_lists_pending_then_spam_newest_first_with_article_and_excerpt(admin, client):
    sign_in(client)
    html = client.get("/admin/").get_data(as_text=True)
    rows = re.findall(r'<li id="queue-(\d+)"', html)
    assert rows == ["4", "3"]
    assert "A Quiet Article" in html and "Comment number 2." in html
    spam = client.get("/admin/?status=spam").get_data(as_text=True)
    assert re.findall(r'<li id="queue-(\d+)"', spam) == ["5"]


def test_approve_inline_updates_the_row_and_the_count(app, admin, client, htmx_client):
    sign_in(client)
    csrf = token(client, "/admin/")
    response = htmx_client.post("/admin/comments/3/approve", data={"csrf_token": csrf})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<li id="queue-3"')
    assert "Approved." in html and "<html" not in html
    assert count(app, "published") == 3 and article_count(app) == 3
    assert "3 Comments" in client.get("/articles/a-quiet-article").get_data(as_text=True)


def test_spam_and_delete_inline_keep_counts_right(app, admin, client, htmx_client):
    sign_in(client)
    csrf = token(client, "/admin/")
    assert "Marked as spam." in htmx_client.post(
        "/admin/comments/1/spam", data={"csrf_token": csrf}
    ).get_data(as_text=True)
    assert article_count(app) == 1
    deleted = htmx_client.post("/admin/comments/2/delete", data={"csrf_token": csrf})
    assert "Deleted." in deleted.get_data(as_text=True)
    assert article_count(app) == 0
    with app.app_context():
        assert db.session.get(Comment, 2) is None


def test_actions_work_as_plain_forms(app, admin, client):
    sign_in(client)
    csrf = token(client, "/admin/")
    response = client.post(
        "/admin/comments/3/approve", data={"csrf_token": csrf, "back": "/admin/?status=pending"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/?status=pending"
    assert count(app, "pending") == 1


def test_bulk_actions(app, admin, client):
    sign_in(client)
    csrf = token(client, "/admin/")
    response = client.post(
        "/admin/comments/bulk", data={"csrf_token": csrf, "action": "approve", "ids": ["3", "4"]}
    )
    assert response.status_code == 303
    assert count(app, "pending") == 0 and article_count(app) == 4
    client.post(
        "/admin/comments/bulk", data={"csrf_token": csrf, "action": "delete", "ids": ["1", "5"]}
    )
    assert count(app, "spam") == 0 and article_count(app) == 3
    bad = client.post("/admin/comments/bulk", data={"csrf_token": csrf, "action": "explode"})
    assert bad.status_code == 400


def test_admin_actions_need_csrf(app, admin, client, htmx_client):
    sign_in(client)
    assert htmx_client.post("/admin/comments/3/approve").status_code == 400
    assert client.post("/admin/comments/3/delete", data={"csrf_token": "x"}).status_code == 400
    assert count(app, "pending") == 2


def test_a_signed_in_owners_action_from_another_site_is_refused(app, admin, client):
    sign_in(client)
    csrf = token(client, "/admin/")  # even with a valid token: the origin check comes first
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        response = client.post(
            "/admin/comments/3/approve", data={"csrf_token": csrf}, headers=headers
        )
        assert response.status_code == 403
        assert "must be sent from Test Notes itself" in response.get_data(as_text=True)
    assert count(app, "pending") == 2
    same_site = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
    approved = client.post(
        "/admin/comments/3/approve", data={"csrf_token": csrf}, headers=same_site
    )
    assert approved.status_code == 303 and count(app, "pending") == 1


@pytest.mark.parametrize("path", ["/admin/login", "/admin/", "/admin/?status=spam", "/admin/words"])
def test_admin_pages_are_never_stored(admin, client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"  # signed out: the redirect
    sign_in(client)
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("before", ["x", "0", "-1", "1.5", "\u0661", "99999999999999999999"])
def test_a_bad_queue_cursor_is_a_404(admin, client, before):
    sign_in(client)
    assert client.get("/admin/", query_string={"before": before}).status_code == 404


def test_queue_cursor_pages_on(app, admin, client):
    sign_in(client)
    html = client.get("/admin/", query_string={"before": "4"}).get_data(as_text=True)
    assert re.findall(r'<li id="queue-(\d+)"', html) == ["3"]


def test_word_lists_are_editable(app, admin, client):
    sign_in(client)
    csrf = token(client, "/admin/words")
    response = client.post(
        "/admin/words", data={"csrf_token": csrf, "hold": "Casino\nlottery\n\n", "block": "pills"}
    )
    assert response.status_code == 303
    page = client.get("/admin/words").get_data(as_text=True)
    assert "casino\nlottery" in page and "pills</textarea>" in page
    with app.app_context():
        rules = {(r.kind, r.word) for r in db.session.scalars(select(WordRule))}
    assert rules == {("hold", "casino"), ("hold", "lottery"), ("block", "pills")}


def test_create_admin_command_stores_a_scrypt_hash(app, runner):
    result = runner.invoke(
        args=["create-admin", "--username", "keeper"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(AdminUser))
    assert user.username == "keeper"
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    short = runner.invoke(args=["create-admin", "--username", "x"], input="short\nshort\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
