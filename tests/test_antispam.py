"""Honeypot, time trap, flood control, duplicates, links and word lists."""

import pytest
from sqlalchemy import select
from support import ARTICLE, STARTED, add_comments, comment_data, form_tokens, make_article

from blog import create_app
from blog.comments import antispam
from blog.extensions import db
from blog.models import Article, Comment, CommentStatus, WordRule

POST = ARTICLE + "/comments"


def stored(app) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(select(Comment).order_by(Comment.id)))


def test_honeypot_is_hidden_from_people(article, client):
    html = client.get(ARTICLE).get_data(as_text=True)
    assert '<div class="trap-field">' in html
    assert 'name="homepage" type="text" tabindex="-1" autocomplete="off"' in html
    css = client.get("/static/css/blog.css").get_data(as_text=True)
    assert ".trap-field { display: none; }" in css


def test_filled_honeypot_looks_like_success_but_stores_nothing(app, client, htmx_client, article):
    tokens = form_tokens(client, ARTICLE)
    data = {**comment_data(tokens), "homepage": "http://spam.example"}
    inline = htmx_client.post(POST, data=data)
    assert inline.status_code == 200
    assert "Thank you" in inline.get_data(as_text=True)
    plain = client.post(POST, data=data)
    assert plain.status_code == 303
    assert stored(app) == []


def test_honeypot_name_is_a_setting(app, client, article):
    app.config["COMMENT_HONEYPOT_FIELD"] = "fax_number"
    tokens = form_tokens(client, ARTICLE)
    assert 'name="fax_number"' in client.get(ARTICLE).get_data(as_text=True)
    client.post(POST, data={**comment_data(tokens), "fax_number": "555"})
    assert stored(app) == []
    client.post(POST, data={**comment_data(tokens), "homepage": "ignored now"})
    assert len(stored(app)) == 1


def test_form_sent_too_fast_is_refused_then_accepted_after_waiting(
    app, client, htmx_client, article, monkeypatch
):
    app.config["COMMENT_MIN_FILL_SECONDS"] = 3
    clock = [1_000_000.0]
    monkeypatch.setattr(antispam, "now", lambda: clock[0])
    tokens = form_tokens(client, ARTICLE)
    clock[0] += 1
    response = htmx_client.post(POST, data=comment_data(tokens))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please wait a moment and send it again." in html
    assert "A thoughtful reply." in html  # kept
    assert stored(app) == []
    clock[0] += 3
    assert htmx_client.post(POST, data=comment_data(tokens)).status_code == 200
    assert len(stored(app)) == 1


def test_form_older_than_a_day_or_forged_is_refused(app, client, article, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(antispam, "now", lambda: clock[0])
    tokens = form_tokens(client, ARTICLE)
    clock[0] += 24 * 3600 + 1
    old = client.post(POST, data=comment_data(tokens))
    assert old.status_code == 422
    assert "This form is out of date." in old.get_data(as_text=True)
    assert "A thoughtful reply." in old.get_data(as_text=True)  # the typed comment, kept
    forged = client.post(POST, data=comment_data({**tokens, "comment-started": "made-up"}))
    assert forged.status_code == 422
    missing = dict(comment_data(tokens))
    del missing["comment-started"]
    assert client.post(POST, data=missing).status_code == 422
    assert stored(app) == []


def test_an_out_of_date_form_comes_back_ready_to_send_again(
    app, client, htmx_client, article, monkeypatch
):
    """A page left open overnight: the text is kept, and sending it again works."""
    clock = [1_000_000.0]
    monkeypatch.setattr(antispam, "now", lambda: clock[0])
    tokens = form_tokens(client, ARTICLE)
    clock[0] += 24 * 3600 + 1
    refused = htmx_client.post(POST, data=comment_data(tokens, body="Written last night."))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert html.lstrip().startswith('<form id="comment-form"')
    assert "This form is out of date. We kept your comment" in html
    assert "Written last night.</textarea>" in html
    assert stored(app) == []
    fresh = {"comment-started": STARTED.search(html).group(1)}
    assert fresh != tokens
    again = htmx_client.post(POST, data=comment_data(fresh, body="Written last night."))
    assert again.status_code == 200
    assert [c.body for c in stored(app)] == ["Written last night."]


def test_flood_control_answers_429_and_keeps_the_text(app, client, htmx_client, article):
    app.config["COMMENT_FLOOD_SECONDS"] = 15
    tokens = form_tokens(client, ARTICLE)
    assert htmx_client.post(POST, data=comment_data(tokens)).status_code == 200
    second = htmx_client.post(POST, data=comment_data(tokens, body="Another thought entirely."))
    html = second.get_data(as_text=True)
    assert second.status_code == 429
    assert "You are posting too quickly." in html
    assert "Another thought entirely." in html
    assert len(stored(app)) == 1
    other_address = client.post(
        POST,
        data=comment_data(tokens, body="From elsewhere."),
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert other_address.status_code == 303


def test_flood_window_expires(app, client, article, monkeypatch):
    from datetime import timedelta

    from blog.web import throttle

    app.config["COMMENT_FLOOD_SECONDS"] = 15
    tokens = form_tokens(client, ARTICLE)
    assert client.post(POST, data=comment_data(tokens)).status_code == 303
    real = throttle.utcnow
    monkeypatch.setattr(throttle, "utcnow", lambda: real() + timedelta(seconds=16))
    assert client.post(POST, data=comment_data(tokens, body="Later words.")).status_code == 303


def test_ip_addresses_are_stored_only_as_hashes(app, client, article):
    app.config["COMMENT_FLOOD_SECONDS"] = 30  # so that the post is counted
    tokens = form_tokens(client, ARTICLE)
    client.post(POST, data=comment_data(tokens), environ_base={"REMOTE_ADDR": "203.0.113.9"})
    [comment] = stored(app)
    assert comment.ip_hash and "203.0.113.9" not in comment.ip_hash
    with app.app_context():
        from blog.models import Throttle

        keys = list(db.session.scalars(select(Throttle.key)))
    assert keys and all("203.0.113.9" not in k for k in keys)


def test_flood_limit_holds_across_two_app_instances(app, client, tmp_path):
    """Two workers on one database: a post through one counts for the other."""
    app.config["COMMENT_FLOOD_SECONDS"] = 15
    with app.app_context():
        make_article()
    other = create_app({**app.config, "TESTING": True})
    other_client = other.test_client()
    tokens = form_tokens(client, ARTICLE)
    assert client.post(POST, data=comment_data(tokens)).status_code == 303
    other_tokens = form_tokens(other_client, ARTICLE)
    refused = other_client.post(POST, data=comment_data(other_tokens, body="Second worker."))
    assert refused.status_code == 429
    assert len(stored(app)) == 1
    with other.app_context():
        db.engine.dispose()


def test_duplicate_text_from_same_email_is_refused(app, client, htmx_client, article):
    tokens = form_tokens(client, ARTICLE)
    assert htmx_client.post(POST, data=comment_data(tokens)).status_code == 200
    again = htmx_client.post(POST, data=comment_data(tokens, email="GRACE@example.com"))
    html = again.get_data(as_text=True)
    assert again.status_code == 422
    assert "You have already said that." in html.split('id="comment-body-error">')[1]
    assert len(stored(app)) == 1
    different = htmx_client.post(POST, data=comment_data(tokens, email="other@example.com"))
    assert different.status_code == 200


def test_duplicate_is_refused_by_the_database_without_a_trace(app, client, article):
    """The unique index refuses it, and the flood counter it touched is rolled back too."""
    app.config["COMMENT_FLOOD_SECONDS"] = 15
    tokens = form_tokens(client, ARTICLE)
    assert client.post(POST, data=comment_data(tokens)).status_code == 303
    app.config["COMMENT_FLOOD_SECONDS"] = 0
    again = client.post(POST, data=comment_data(tokens))
    assert again.status_code == 422
    assert "You have already said that." in again.get_data(as_text=True)
    assert len(stored(app)) == 1
    with app.app_context():
        assert db.session.get(Article, 1).comment_count == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("See https://a.example and https://b.example.", CommentStatus.PUBLISHED),
        ("See https://a.example, http://b.example and www.c.example.", CommentStatus.PENDING),
    ],
)
def test_too_many_links_hold_the_comment(app, client, article, body, status):
    tokens = form_tokens(client, ARTICLE)
    client.post(POST, data=comment_data(tokens, body=body))
    assert [c.status for c in stored(app)] == [status]


def test_moderation_and_block_words_from_settings_and_admin_list(app, client, article):
    app.config["COMMENT_MODERATION_WORDS"] = ["casino"]
    with app.app_context():
        db.session.add(WordRule(kind="hold", word="lottery"))
        db.session.add(WordRule(kind="block", word="cheap pills"))
        db.session.commit()
    tokens = form_tokens(client, ARTICLE)
    for n, body in enumerate(["Win at the CASINO", "A lottery story", "Cheap Pills here", "Fine"]):
        client.post(POST, data=comment_data(tokens, body=body, email=f"p{n}@example.com"))
    assert [c.status for c in stored(app)] == ["pending", "pending", "spam", "published"]
    html = client.get(ARTICLE).get_data(as_text=True)
    assert "Cheap Pills here" not in html and "1 Comment<" in html


def test_word_lists_can_come_from_the_environment(app, client, article):
    app.config["COMMENT_BLOCK_WORDS"] = "viagra, crypto giveaway"
    tokens = form_tokens(client, ARTICLE)
    client.post(POST, data=comment_data(tokens, body="A crypto giveaway for you"))
    assert [c.status for c in stored(app)] == ["spam"]


def test_spam_looks_like_a_held_comment_to_the_poster(app, client, htmx_client, article):
    app.config["COMMENT_BLOCK_WORDS"] = ["spamword"]
    tokens = form_tokens(client, ARTICLE)
    response = htmx_client.post(POST, data=comment_data(tokens, body="spamword spamword"))
    assert response.status_code == 200
    assert "awaiting moderation" in response.get_data(as_text=True)
    assert "spamword" not in client.get(ARTICLE).get_data(as_text=True)


def test_defaults_match_the_documented_settings():
    from blog.settings import DEFAULTS

    assert DEFAULTS["COMMENT_MIN_FILL_SECONDS"] == 3
    assert DEFAULTS["COMMENT_FLOOD_SECONDS"] == 15
    assert DEFAULTS["COMMENT_MAX_LINKS"] == 2
    assert DEFAULTS["COMMENT_MODERATION"] == "first-time"


def test_settings_can_be_overridden_by_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_COMMENT_FLOOD_SECONDS", "60")
    monkeypatch.setenv("FLASK_COMMENT_MODERATION", '"all"')
    monkeypatch.setenv("FLASK_COMMENT_MAX_LINKS", "0")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["COMMENT_FLOOD_SECONDS"] == 60
    assert app.config["COMMENT_MODERATION"] == "all"
    assert app.config["COMMENT_MAX_LINKS"] == 0


def test_counts_ignore_held_and_spam(app, client):
    with app.app_context():
        article = make_article()
        add_comments(article, 2)
        add_comments(article, 3, status=CommentStatus.PENDING)
    assert "2 Comments" in client.get(ARTICLE).get_data(as_text=True)
    assert "2 comments" in client.get("/").get_data(as_text=True)
