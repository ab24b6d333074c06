"""ETags: a matching copy gets 304, and a stale copy is never called fresh."""

import re

import pytest
from support import ARTICLE, STARTED, add_comments, comment_data, form_tokens, make_article

from blog.extensions import db
from blog.models import Comment, CommentStatus


@pytest.fixture
def thread(app):
    app.config["COMMENTS_PER_PAGE"] = 50
    with app.app_context():
        article = make_article()
        add_comments(article, 4)
        add_comments(article, 1, status=CommentStatus.PENDING, start=article.published_at)


def revalidate(client, path=ARTICLE, **headers):
    first = client.get(path, headers=headers)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(path, headers={**headers, "If-None-Match": first.headers["ETag"]})
    return first, again


def test_matching_etag_gets_304_without_a_body(thread, client):
    first, again = revalidate(client)
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert "must-revalidate" in first.headers["Cache-Control"]
    assert "public" in first.headers["Cache-Control"]


def test_fragments_revalidate_too(thread, client, htmx_client):
    first, again = revalidate(htmx_client, ARTICLE + "/comments?before=1")
    assert "<html" not in first.get_data(as_text=True)
    assert again.status_code == 304
    page = client.get(ARTICLE + "/comments?before=3")
    assert page.headers["ETag"] != first.headers["ETag"]  # the page is another document


def assert_stale_after(client, change):
    first = client.get(ARTICLE)
    etag = first.headers["ETag"]
    change()
    after = client.get(ARTICLE, headers={"If-None-Match": etag})
    assert after.status_code == 200, "a stale page was called fresh"
    assert after.headers["ETag"] != etag
    return after.get_data(as_text=True)


def test_new_comment_from_someone_else_invalidates(app, thread, client):
    other = app.test_client()

    def post():
        response = other.post(
            ARTICLE + "/comments", data=comment_data(form_tokens(other, ARTICLE), body="Fresh.")
        )
        assert response.status_code == 303

    assert "Fresh." in assert_stale_after(client, post)


def moderate(app, comment_id, action):
    from blog.admin import moderation

    with app.app_context():
        moderation.apply(action, [comment_id])
        db.session.commit()


@pytest.mark.parametrize(("comment_id", "action"), [(5, "approve"), (1, "delete"), (2, "spam")])
def test_moderation_invalidates(app, thread, client, comment_id, action):
    html = assert_stale_after(client, lambda: moderate(app, comment_id, action))
    expected = {"approve": "5 Comments", "delete": "3 Comments", "spam": "3 Comments"}[action]
    assert expected in html


def test_editing_the_article_invalidates(app, thread, client, runner, tmp_path):
    source = tmp_path / "edit.md"
    source.write_text(
        "---\ntitle: A Quieter Article\nslug: a-quiet-article\nauthor: Ada Writer\n"
        "date: 2007-12-01\n---\nRewritten body.\n"
    )

    def edit():
        result = runner.invoke(args=["import-article", "--replace", str(source)])
        assert result.exit_code == 0, result.output

    html = assert_stale_after(client, edit)
    assert "Rewritten body." in html and "A Quieter Article" in html
    with app.app_context():
        assert db.session.get(Comment, 1) is not None  # comments survive an edit


def test_own_pending_comment_invalidates_for_its_poster(app, thread, client):
    app.config["COMMENT_MODERATION"] = "all"

    def post():
        response = client.post(
            ARTICLE + "/comments", data=comment_data(form_tokens(client, ARTICLE), body="Mine.")
        )
        assert response.status_code == 303

    client.get(ARTICLE)
    etag = client.get(ARTICLE).headers["ETag"]
    post()
    after = client.get(ARTICLE, headers={"If-None-Match": etag})
    assert after.status_code == 200, "a stale page was called fresh"
    html = after.get_data(as_text=True)
    assert "Mine." in html and "awaiting moderation" in html
    assert "Mine." not in app.test_client().get(ARTICLE).get_data(as_text=True)


def test_dismissing_the_cookie_notice_invalidates(app, thread, client):
    def dismiss():
        client.post("/cookies/accept", data={"next": "/"})

    assert 'id="cookie-notice"' not in assert_stale_after(client, dismiss)


def test_pages_with_form_errors_are_not_cached(thread, client):
    response = client.post(
        ARTICLE + "/comments", data=comment_data(form_tokens(client, ARTICLE), email="x")
    )
    assert response.status_code == 422
    assert "ETag" not in response.headers


def test_unchanged_pages_are_answered_without_rendering(thread, client, monkeypatch):
    import flask

    etag = client.get(ARTICLE).headers["ETag"]

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered a page that had not changed")

    monkeypatch.setattr(flask, "render_template", no_rendering)
    monkeypatch.setattr("blog.articles.views.render_template", no_rendering)
    for tag in (etag, None):  # a revalidation, then a plain view of the cached page
        headers = {"If-None-Match": tag} if tag else {}
        response = client.get(ARTICLE, headers=headers)
        assert response.status_code == (304 if tag else 200)
        assert response.headers["ETag"] == etag
        assert "Content-Security-Policy" in response.headers


def test_security_headers_are_on_304s(thread, client):
    _, again = revalidate(client)
    assert again.status_code == 304
    assert "frame-ancestors 'none'" in again.headers["Content-Security-Policy"]


def test_a_replaced_database_never_shows_the_old_pages(app, thread, client):
    """Restoring a backup can repeat ids and revisions; cached pages must not come back."""
    assert "Comment number 1." in client.get(ARTICLE).get_data(as_text=True)
    with app.app_context():
        db.drop_all()
        db.create_all()
        make_article(title="A Restored Article")
    html = client.get(ARTICLE).get_data(as_text=True)
    assert "A Restored Article" in html and "Comment number 1." not in html


NEXT = re.compile(r'name="next" value="([^"]*)"')


@pytest.mark.parametrize("path", [ARTICLE, "/"])
def test_a_query_string_never_leaks_into_anothers_cached_page(app, thread, client, path):
    # The cookie notice sends its reader back to the page they were on, query and all.
    odd = client.get(path + "?from=elsewhere").get_data(as_text=True)
    assert NEXT.search(odd).group(1) == path + "?from=elsewhere"
    for reader in (client, app.test_client()):
        plain = reader.get(path).get_data(as_text=True)
        assert NEXT.search(plain).group(1) == path


def test_a_fresh_start_time_on_every_view_of_a_cached_page(app, thread, client, monkeypatch):
    first = STARTED.search(client.get(ARTICLE).get_data(as_text=True)).group(1)
    monkeypatch.setattr("blog.comments.antispam.now", lambda: 2_000_000_000.0)
    second = client.get(ARTICLE)
    assert STARTED.search(second.get_data(as_text=True)).group(1) != first
    posted = client.post(
        ARTICLE + "/comments",
        data=comment_data({"comment-started": first}, body="From the older copy."),
    )
    assert posted.status_code == 422  # a day and more after `first`: out of date, text kept
    assert "From the older copy." in posted.get_data(as_text=True)
