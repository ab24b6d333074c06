"""Moderation modes and what a poster sees of their own held comment."""

from sqlalchemy import select
from support import ARTICLE, add_comments, comment_data, form_tokens, make_article

from blog.extensions import db
from blog.models import Article, Comment, CommentStatus

POST = ARTICLE + "/comments"


def statuses(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Comment.status).order_by(Comment.id)))


def post(client, **fields):
    return client.post(POST, data=comment_data(form_tokens(client, ARTICLE), **fields))


def test_mode_none_publishes_at_once(app, client, article):
    app.config["COMMENT_MODERATION"] = "none"
    post(client)
    assert statuses(app) == ["published"]


def test_mode_all_holds_everything(app, client):
    app.config["COMMENT_MODERATION"] = "all"
    with app.app_context():
        add_comments(make_article(), 1)  # reader1@example.com is already approved
    post(client, email="reader1@example.com")
    assert statuses(app) == ["published", "pending"]


def test_first_time_holds_new_emails_and_trusts_approved_ones(app, client):
    app.config["COMMENT_MODERATION"] = "first-time"
    with app.app_context():
        add_comments(make_article(), 1)
    post(client, email="newcomer@example.com")
    post(client, name="Reader 1", email="Reader1@Example.com", body="I have been here before.")
    assert statuses(app) == ["published", "pending", "published"]


def test_first_time_is_the_default(app, client, article):
    from blog.settings import DEFAULTS

    app.config["COMMENT_MODERATION"] = DEFAULTS["COMMENT_MODERATION"]
    post(client)
    assert statuses(app) == ["pending"]


def test_held_comment_is_shown_only_to_its_poster_and_survives_reload(
    app, client, htmx_client, article
):
    app.config["COMMENT_MODERATION"] = "all"
    tokens = form_tokens(client, ARTICLE)
    response = htmx_client.post(POST, data=comment_data(tokens, body="Held words here."))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your comment is awaiting moderation." in html
    assert "Held words here." in html
    assert 'id="comment-count"' not in html  # a held comment leaves the count as it was
    page = client.get(ARTICLE).get_data(as_text=True)
    assert "Held words here." in page and "Your comment is awaiting moderation." in page
    assert "No comments yet" in page
    stranger = app.test_client()
    assert "Held words here." not in stranger.get(ARTICLE).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Article, 1).comment_count == 0


def test_held_comment_without_javascript_redirects_to_it(app, client, article):
    app.config["COMMENT_MODERATION"] = "all"
    response = post(client, body="Plain held words.")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#comment-1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Plain held words." in page and "awaiting moderation" in page


def test_own_comments_cookie_is_signed(app, client, article):
    with app.app_context():
        add_comments(db.session.get(Article, 1), 1, status=CommentStatus.PENDING)
    client.set_cookie("my_comments", "[1]")
    assert "Comment number 1." not in client.get(ARTICLE).get_data(as_text=True)
