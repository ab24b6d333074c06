"""Conversations: replies in threads, paging by thread, a commenter's own comment editable
and deletable for a while, and previews. Each rule with and without htmx."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from support import ARTICLE, add_comments, comment_data, form_tokens, make_article
from werkzeug.security import generate_password_hash

from blog.admin import moderation
from blog.extensions import db
from blog.models import AdminUser, Article, Comment, CommentStatus, Throttle

POST = ARTICLE + "/comments"
REPLY_STARTED = re.compile(r'name="(reply-\d+-started)" type="hidden" value="([^"]*)"')


def reply_data(client, parent_id: int, **overrides) -> dict:
    """A reply form as a browser sends it, from the reply page's hidden start time."""
    html = client.get(f"{POST}/{parent_id}/reply").get_data(as_text=True)
    name, started = REPLY_STARTED.search(html).groups()
    prefix = f"reply-{parent_id}"
    data = {name: started}
    for key, value in comment_data(**overrides).items():
        if key.startswith("comment-") and key != "comment-started":
            data[prefix + key.removeprefix("comment")] = value
    return data


def stored(app, **filters) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(select(Comment).filter_by(**filters).order_by(Comment.id)))


def published_count(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Article.comment_count).where(Article.slug == "a-quiet-article")
        )


def shown_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li id="comment-(\d+)"', html)]


@pytest.fixture
def discussion(app):
    """Three comments (ids 1-3) on the article, published."""
    with app.app_context():
        add_comments(make_article(), 3)


def reply(client, parent_id, htmx=False, **overrides):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        f"{POST}/{parent_id}/replies",
        data=reply_data(client, parent_id, **overrides),
        headers=headers,
    )


# --- replies ------------------------------------------------------------------------


def test_reply_without_javascript_is_a_page_then_a_nested_comment(app, client, discussion):
    page = client.get(f"{POST}/2/reply")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert "Replying to <bdi>Reader 2</bdi>" in html and "Comment number 2." in html
    assert 'action="/articles/a-quiet-article/comments/2/replies"' in html
    assert (
        'href="/articles/a-quiet-article#comment-2" data-cancel-reply="2">Cancel reply</a>' in html
    )
    assert "public" in page.headers["Cache-Control"] and "Set-Cookie" not in page.headers
    response = reply(client, 2, body="I see it the same way.")
    assert response.status_code == 303
    assert response.headers["Location"] == "/articles/a-quiet-article#comment-4"
    [new] = stored(app, id=4)
    assert (new.parent_id, new.root_id, new.depth) == (2, 2, 1)
    html = client.get(ARTICLE).get_data(as_text=True)
    nested = html.split('<ol class="replies" id="replies-2">')[1].split("</ol>")[0]
    assert '<li id="comment-4" class="comment comment--level-1">' in nested
    assert "I see it the same way." in nested
    assert "4 Comments" in html


def test_reply_inline_opens_under_the_comment_and_appears_under_it(
    app, client, htmx_client, discussion
):
    opened = htmx_client.get(f"{POST}/2/reply")
    form = opened.get_data(as_text=True)
    assert opened.status_code == 200 and "<html" not in form
    assert form.lstrip().startswith('<form id="reply-2-form"')
    assert 'id="reply-2-name"' in form and 'name="reply-2-body"' in form
    response = reply(htmx_client, 2, htmx=True, body="Inline and nested.")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<form" not in html.split("<ol")[0]  # the reply form closes
    assert '<ol hx-swap-oob="beforeend:#replies-2">' in html
    assert '<li id="comment-4" class="comment comment--level-1">' in html
    assert '<span id="comment-count" hx-swap-oob="outerHTML">4 Comments</span>' in html
    assert "Thank you, your comment has been posted." in html
    assert "my_comments=" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("state", ["pending", "spam", "removed", "other article", "missing"])
def test_a_reply_to_a_comment_that_cannot_be_answered_is_refused(app, client, htmx, state):
    with app.app_context():
        article = make_article()
        other = make_article("other", "Other")
        add_comments(article, 1)  # id 1, answered below once the page is loaded
        add_comments(other, 1)  # id 2
    data = reply_data(client, 1, body="Words worth keeping.")
    with app.app_context():
        target = db.session.get(Comment, 1)
        if state == "other article":
            target.article_id = 2
        elif state == "missing":
            db.session.delete(target)
        else:
            target.status = state
        db.session.commit()
    before = len(stored(app))
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(f"{POST}/1/replies", data=data, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "can no longer be answered" in html
    assert "Words worth keeping." in html  # kept, in the main form, to post anew
    assert 'name="comment-body"' in html
    assert len(stored(app)) == before
    assert client.get(f"{POST}/1/reply").status_code == 404


def test_replies_below_the_deepest_level_name_what_they_answer(
    app, client, htmx_client, discussion
):
    reply(client, 1, body="Level one.")  # 4
    reply(client, 4, body="Level two.")  # 5
    reply(client, 5, body="Level three, shown at two.")  # 6
    html = client.get(ARTICLE).get_data(as_text=True)
    level_two = html.split('<ol class="replies" id="replies-4">')[1]
    assert '<li id="comment-5" class="comment comment--level-2">' in level_two
    assert '<li id="comment-6" class="comment comment--level-2">' in level_two
    assert 'id="replies-5"' not in html  # no deeper list
    answers = html.split('id="comment-6-content"')[1].split("</article>")[0]
    assert 'in reply to <a href="#comment-5"><bdi>Grace Reader</bdi></a>' in answers
    response = reply(htmx_client, 6, htmx=True, body="Deeper still.")
    assert '<ol hx-swap-oob="beforeend:#replies-4">' in response.get_data(as_text=True)
    assert [c.depth for c in stored(app, id=7)] == [4]


def test_every_check_of_a_comment_applies_to_a_reply(app, client, discussion):
    app.config.update(COMMENT_FLOOD_SECONDS=60, COMMENT_MODERATION="all")
    trapped = reply_data(client, 1)
    trapped["homepage"] = "http://bot.example"
    assert client.post(f"{POST}/1/replies", data=trapped).status_code == 303
    assert len(stored(app)) == 3  # the honeypot: success shown, nothing stored
    assert reply(client, 1, body="Held like any first comment.").status_code == 303
    [held] = stored(app, status=CommentStatus.PENDING)
    assert held.parent_id == 1
    flood = reply(client, 1, body="And again at once.")
    assert flood.status_code == 429
    app.config.update(COMMENT_MIN_FILL_SECONDS=3, COMMENT_FLOOD_SECONDS=0)
    quick = reply(client, 1, body="Too quick.")
    assert quick.status_code == 422 and "quicker than we expected" in quick.get_data(as_text=True)


def test_the_owners_comment_is_marked_author_and_published(app, client, discussion):
    app.config["COMMENT_MODERATION"] = "all"
    signed_in_owner(app, client)
    assert reply(client, 2, body="Thank you for reading.").status_code == 303
    [mine] = stored(app, id=4)
    assert mine.by_owner and mine.status == CommentStatus.PUBLISHED
    reader = app.test_client()
    html = reader.get(ARTICLE).get_data(as_text=True)
    byline = html.split('id="comment-4-content"')[1].split("</header>")[0]
    assert '<span class="comment-badge">Author</span>' in byline
    assert '<span class="comment-badge">' not in html.split('id="comment-4-content"')[0]


def test_a_thread_is_never_split_across_pages(app, client):
    app.config["COMMENTS_PER_PAGE"] = 2
    with app.app_context():
        add_comments(make_article(), 4)  # 1-4
    for n in range(3):
        reply(client, 1, body=f"Late answer {n}.")  # 5-7: newer than every top-level comment
    newest = shown_ids(client.get(ARTICLE).get_data(as_text=True))
    assert newest == [3, 4]
    earlier = client.get(f"{POST}?before=3").get_data(as_text=True)
    assert shown_ids(earlier) == [1, 5, 6, 7, 2]
    location = client.get(f"{POST}/6").headers["Location"]
    assert location == "/articles/a-quiet-article/comments?before=2#comment-6"  # ends with it
    assert shown_ids(client.get(location).get_data(as_text=True)) == [1, 5, 6, 7]


# --- your own comment, for a while ---------------------------------------------------


def own_comment(client, body="My first words.") -> int:
    response = client.post(POST, data=comment_data(form_tokens(client, ARTICLE), body=body))
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("-", 1)[1])


def age(app, comment_id: int, minutes: int) -> None:
    """Make a comment older (time frozen otherwise): the window is measured from posting."""
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        comment.created_at -= timedelta(minutes=minutes)
        db.session.commit()


@pytest.mark.parametrize("htmx", [False, True])
def test_edit_within_the_window(app, client, discussion, htmx):
    mine = own_comment(client)
    headers = {"HX-Request": "true"} if htmx else {}
    page = client.get(ARTICLE).get_data(as_text=True)
    assert f'href="/articles/a-quiet-article/comments/{mine}/edit"' in page
    form = client.get(f"{POST}/{mine}/edit", headers=headers)
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "My first words." in html
    assert form.headers["Cache-Control"] == "private, no-store"
    assert ("<html" in html) is not htmx
    saved = client.post(
        f"{POST}/{mine}/edit", data={f"edit-{mine}-body": "My better words."}, headers=headers
    )
    if htmx:
        html = saved.get_data(as_text=True)
        assert saved.status_code == 200 and html.lstrip().startswith(
            f'<article id="comment-{mine}-content"'
        )
        assert "My better words." in html and "(edited <time" in html
        assert "Your changes are saved." in html
    else:
        assert saved.status_code == 303
        assert saved.headers["Location"] == f"/articles/a-quiet-article#comment-{mine}"
    [comment] = stored(app, id=mine)
    assert comment.body == "My better words." and comment.edited_at is not None
    shown = app.test_client().get(ARTICLE).get_data(as_text=True)
    assert "My better words." in shown and 'class="comment-edited"' in shown


def test_an_edit_is_checked_like_a_new_comment(app, client, discussion):
    mine = own_comment(client)
    bad = client.post(f"{POST}/{mine}/edit", data={f"edit-{mine}-body": "x"})
    assert bad.status_code == 422 and "between 2 and 5,000 characters" in bad.get_data(as_text=True)
    app.config["COMMENT_MODERATION_WORDS"] = ["casino"]
    assert published_count(app) == 4
    held = client.post(f"{POST}/{mine}/edit", data={f"edit-{mine}-body": "Visit my casino."})
    assert held.status_code == 303
    [comment] = stored(app, id=mine)
    assert comment.status == CommentStatus.PENDING
    assert published_count(app) == 3  # back in the queue, out of the count
    other = app.test_client().get(ARTICLE).get_data(as_text=True)
    assert "casino" not in other
    app.config["COMMENT_MODERATION_WORDS"] = []
    client.post(f"{POST}/{mine}/edit", data={f"edit-{mine}-body": "Clean words now."})
    assert stored(app, id=mine)[0].status == CommentStatus.PENDING  # an edit never approves


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_after_the_window_or_from_another_browser_changes_are_refused(
    app, client, discussion, action
):
    mine = own_comment(client)
    stranger = app.test_client()
    for who in (stranger, client):
        if who is client:
            age(app, mine, app.config["COMMENT_EDIT_MINUTES"])
            page = client.get(ARTICLE)
            assert "/edit" not in page.get_data(as_text=True)  # the controls are gone
            assert "public" in page.headers["Cache-Control"]
        for method in ("get", "post"):
            response = getattr(who, method)(
                f"{POST}/{mine}/{action}", data={f"edit-{mine}-body": "Late."}
            )
            assert response.status_code == 403, (who, method)
            assert "can no longer be changed here" in response.get_data(as_text=True)
    assert stored(app, id=mine)[0].body == "My first words."
    stranger.set_cookie("my_comments", f"{mine}.0123456789abcdef")  # unsigned: ignored
    assert stranger.get(f"{POST}/{mine}/edit").status_code == 403


@pytest.mark.parametrize("htmx", [False, True])
def test_delete_asks_first_then_a_comment_without_replies_disappears(app, client, discussion, htmx):
    mine = own_comment(client)
    headers = {"HX-Request": "true"} if htmx else {}
    confirm = client.get(f"{POST}/{mine}/delete", headers=headers).get_data(as_text=True)
    assert "Delete your comment?" in confirm and "Keep it" in confirm and "confirm(" not in confirm
    assert published_count(app) == 4
    done = client.post(f"{POST}/{mine}/delete", headers=headers)
    assert stored(app, id=mine) == [] and published_count(app) == 3
    if htmx:
        html = done.get_data(as_text=True)
        assert f'<li id="comment-{mine}" hx-swap-oob="delete"></li>' in html
        assert '<span id="comment-count" hx-swap-oob="outerHTML">3 Comments</span>' in html
    else:
        assert done.status_code == 303
    assert f"comment-{mine}" not in client.get(ARTICLE).get_data(as_text=True)


def test_a_deleted_comment_with_replies_leaves_its_place(app, client, discussion):
    mine = own_comment(client, body="Something to answer.")
    answer = app.test_client()
    assert reply(answer, mine, body="An answer to keep.").status_code == 303
    client.post(f"{POST}/{mine}/delete")
    [placeholder] = stored(app, id=mine)
    assert placeholder.status == CommentStatus.REMOVED
    assert (placeholder.body, placeholder.author_name, placeholder.author_email) == ("", "", "")
    assert published_count(app) == 4  # three, and the answer
    html = app.test_client().get(ARTICLE).get_data(as_text=True)
    assert "This comment was removed." in html and "An answer to keep." in html
    assert "Something to answer." not in html
    # The answer's writer takes theirs back too: the empty placeholder goes with it.
    [answer_id] = [c.id for c in stored(app, parent_id=mine)]
    answer.post(f"{POST}/{answer_id}/delete")
    assert stored(app, id=mine) == [] and published_count(app) == 3
    assert "This comment was removed." not in app.test_client().get(ARTICLE).get_data(as_text=True)


# --- preview ------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_preview_shows_the_comment_as_posted_and_stores_nothing(app, client, discussion, htmx):
    app.config["COMMENT_FLOOD_SECONDS"] = 60
    headers = {"HX-Request": "true"} if htmx else {}
    data = comment_data(form_tokens(client, ARTICLE), body="<b>Bold?</b>\n\nTwo paragraphs.")
    response = client.post(POST, data={**data, "comment-preview": "1"}, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("<html" in html) is not htmx
    preview = html.split('class="comment-preview"')[1].split("</section>")[0]
    assert "<p>&lt;b&gt;Bold?&lt;/b&gt;</p><p>Two paragraphs.</p>" in preview
    assert "<bdi>Grace Reader</bdi>" in preview
    textarea = html.split('name="comment-body"')[1].split("</textarea>")[0]
    assert "&lt;b&gt;Bold?&lt;/b&gt;" in textarea  # still in the form, to post
    assert len(stored(app)) == 3
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Throttle)) == 0
    assert "Set-Cookie" not in response.headers
    assert "public" not in response.headers.get("Cache-Control", "")
    posted = client.post(POST, data=data, headers=headers)  # then posting works at once
    assert posted.status_code in (200, 303) and len(stored(app)) == 4


def test_preview_of_an_invalid_comment_shows_the_errors(app, client, discussion):
    data = comment_data(form_tokens(client, ARTICLE), body="")
    response = client.post(POST, data={**data, "comment-preview": "1"})
    assert response.status_code == 422
    assert "Please write a comment." in response.get_data(as_text=True)


# --- new comments while you read ---------------------------------------------------

POLL = re.compile(r'id="comments-poll" hx-get="([^"]+)" hx-trigger="every 30s"')


def poll_url(html: str) -> str:
    return POLL.search(html).group(1).replace("&amp;", "&")


def test_an_unchanged_article_answers_a_poll_with_204_before_flask(
    app, client, htmx_client, discussion, monkeypatch
):
    url = poll_url(client.get(ARTICLE).get_data(as_text=True))
    assert url == "/articles/a-quiet-article/comments/new?since=2&after=3&first=1"

    def no_view(*args, **kwargs):
        raise AssertionError("Flask's view ran")

    monkeypatch.setattr("blog.articles.views.article_or_404", no_view)
    for reader in (client, htmx_client):
        response = reader.get(url)
        assert response.status_code == 204 and response.data == b""
        assert "Content-Security-Policy" in response.headers


def test_new_comments_are_counted_then_shown_in_place(app, client, htmx_client, discussion):
    url = poll_url(client.get(ARTICLE).get_data(as_text=True))
    other = app.test_client()
    assert (
        other.post(
            POST, data=comment_data(form_tokens(other, ARTICLE), body="New top.")
        ).status_code
        == 303
    )
    assert reply(other, 2, body="New answer.").status_code == 303
    news = htmx_client.get(url)
    html = news.get_data(as_text=True)
    assert news.status_code == 200 and "2 new comments: show them" in html
    assert "New top." not in html  # only the count, until asked
    again = poll_url(html)
    assert again == "/articles/a-quiet-article/comments/new?since=4&after=3&first=1"
    button = re.search(r'id="comments-new-button"[^>]*hx-get="([^"]+)"', html).group(1)
    shown = htmx_client.get(button.replace("&amp;", "&")).get_data(as_text=True)
    assert '<ol hx-swap-oob="beforeend:#comment-list"><li id="comment-4"' in shown.replace("\n", "")
    assert '<ol hx-swap-oob="beforeend:#replies-2"><li id="comment-5"' in shown.replace("\n", "")
    assert "2 new comments shown." in shown and "show them" not in shown
    assert poll_url(shown) == "/articles/a-quiet-article/comments/new?since=4&after=5&first=1"
    assert htmx_client.get(poll_url(shown)).status_code == 204


@pytest.mark.parametrize(
    "query", ["since=x&after=1", "since=1&after=-1", "since=99999999999999999999&after=1"]
)
def test_a_bad_poll_is_a_404(app, client, discussion, query):
    assert client.get(f"{POST}/new?{query}").status_code == 404


def test_polling_can_be_turned_off(app, client, discussion):
    app.config["COMMENT_POLL_SECONDS"] = 0
    html = client.get(ARTICLE).get_data(as_text=True)
    assert 'id="comments-poll"' not in html and "Refresh comments" in html


# --- the owner, from the moderation queue --------------------------------------------


def signed_in_owner(app, client) -> str:
    with app.app_context():
        db.session.add(
            AdminUser(username="owner", password_hash=generate_password_hash("pw-pw-pw"))
        )
        db.session.commit()
    html = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    client.post(
        "/admin/login", data={"csrf_token": token, "username": "owner", "password": "pw-pw-pw"}
    )
    return token


def admin_token(client, path) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_the_owner_replies_from_the_queue_and_approves_what_they_answer(app, client):
    with app.app_context():
        add_comments(make_article(), 1, status=CommentStatus.PENDING)
    signed_in_owner(app, client)
    queue = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/comments/1/reply' in queue and 'href="/admin/comments/1/edit' in queue
    page = client.get("/admin/comments/1/reply").get_data(as_text=True)
    assert "Replying approves this comment." in page
    no_token = client.post("/admin/comments/1/reply", data={"body": "Thanks!"})
    assert no_token.status_code in (400, 403) and len(stored(app)) == 1
    token = admin_token(client, "/admin/comments/1/reply")
    done = client.post(
        "/admin/comments/1/reply", data={"csrf_token": token, "body": "Thanks for writing."}
    )
    assert done.status_code == 303
    parent, answer = stored(app)
    assert parent.status == CommentStatus.PUBLISHED
    assert (answer.parent_id, answer.by_owner, answer.author_name) == (1, True, "Ada Writer")
    assert published_count(app) == 2
    html = app.test_client().get(ARTICLE).get_data(as_text=True)
    assert "Thanks for writing." in html and '<span class="comment-badge">Author</span>' in html


def test_the_owner_edits_and_deletes_any_comment_at_any_time(app, client, discussion):
    age(app, 2, 60 * 24 * 365)
    signed_in_owner(app, client)
    assert 'id="queue-2"' in client.get("/admin/?status=published").get_data(as_text=True)
    token = admin_token(client, "/admin/comments/2/edit")
    bad = client.post("/admin/comments/2/edit", data={"csrf_token": token, "body": ""})
    assert bad.status_code == 422 and "Please write a comment." in bad.get_data(as_text=True)
    client.post(
        "/admin/comments/2/edit", data={"csrf_token": token, "body": "Tidied by the owner."}
    )
    [comment] = stored(app, id=2)
    assert comment.body == "Tidied by the owner." and comment.edited_at is not None
    assert comment.status == CommentStatus.PUBLISHED
    reply(app.test_client(), 2, body="An answer.")  # 4
    client.post("/admin/comments/2/delete", data={"csrf_token": token})
    assert stored(app, id=2)[0].status == CommentStatus.REMOVED  # its answer keeps its place
    assert published_count(app) == 3
    client.post("/admin/comments/4/delete", data={"csrf_token": token})
    assert stored(app, id=2) == [] and stored(app, id=4) == [] and published_count(app) == 2


def test_a_readers_own_comments_are_no_news_to_them_but_others_stay_news(
    app, client, htmx_client, discussion
):
    url = poll_url(client.get(ARTICLE).get_data(as_text=True))
    other = app.test_client()
    other.post(POST, data=comment_data(form_tokens(other, ARTICLE), body="Theirs first."))
    assert "1 new comment: show them" in htmx_client.get(url).get_data(as_text=True)
    # the reader posts too, before pressing the button: theirs is not counted, the other is
    htmx_client.post(POST, data=comment_data(form_tokens(client, ARTICLE), body="Mine."))
    news = htmx_client.get(url).get_data(as_text=True)
    assert "1 new comment: show them" in news
    button = re.search(r'id="comments-new-button"[^>]*hx-get="([^"]+)"', news).group(1)
    shown = htmx_client.get(button.replace("&amp;", "&")).get_data(as_text=True)
    assert "Theirs first." in shown and "Mine." not in shown


# --- found by an attack review -------------------------------------------------------


def test_an_article_without_comments_polls_after_0_and_hears_of_the_first(app, client, htmx_client):
    with app.app_context():
        make_article()
    url = poll_url(client.get(ARTICLE).get_data(as_text=True))
    assert url.endswith("&after=0&first=0")
    assert htmx_client.get(url).status_code == 204
    other = app.test_client()
    other.post(POST, data=comment_data(form_tokens(other, ARTICLE), body="The first."))
    news = htmx_client.get(url)
    assert news.status_code == 200 and "1 new comment: show them" in news.get_data(as_text=True)


def test_more_new_comments_than_are_shown_at_once_are_announced_next(
    app, client, htmx_client, discussion, monkeypatch
):
    monkeypatch.setattr("blog.comments.live.SHOWN_AT_ONCE", 2)
    url = poll_url(client.get(ARTICLE).get_data(as_text=True))
    other = app.test_client()
    for n in range(3):
        other.post(POST, data=comment_data(form_tokens(other, ARTICLE), body=f"Arrival {n}."))
    news = htmx_client.get(url).get_data(as_text=True)
    button = re.search(r'id="comments-new-button"[^>]*hx-get="([^"]+)"', news).group(1)
    shown = htmx_client.get(button.replace("&amp;", "&")).get_data(as_text=True)
    assert "Arrival 0." in shown and "Arrival 1." in shown and "Arrival 2." not in shown
    rest = htmx_client.get(poll_url(shown))
    assert rest.status_code == 200 and "1 new comment: show them" in rest.get_data(as_text=True)


def test_the_id_of_a_deleted_comment_is_never_given_again(app, client, discussion):
    mine = own_comment(client)
    client.post(f"{POST}/{mine}/delete")
    again = own_comment(client, body="Posted after.")
    assert again > mine
    assert client.get(f"{POST}/{mine}").status_code == 404


def test_a_reply_whose_comment_is_deleted_on_its_way_is_refused_with_its_words(
    app, client, discussion, monkeypatch
):
    data = reply_data(client, 2, body="Answering just too late.")
    with app.app_context():
        stale = db.session.get(Comment, 2)
        db.session.expunge(stale)
        db.session.execute(Comment.__table__.delete().where(Comment.id == 2))
        db.session.commit()
    monkeypatch.setattr("blog.comments.views.answerable", lambda article, comment_id: stale)
    response = client.post(f"{POST}/2/replies", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "was removed a moment ago" in html and "Answering just too late." in html
    assert [c.id for c in stored(app)] == [1, 3]


def test_a_removed_comment_whose_replies_are_all_held_is_not_shown(app, client, discussion):
    mine = own_comment(client, body="Soon gone.")
    app.config["COMMENT_MODERATION"] = "all"
    assert reply(app.test_client(), mine, body="Held answer.").status_code == 303
    client.post(f"{POST}/{mine}/delete")
    assert stored(app, id=mine)[0].status == CommentStatus.REMOVED  # kept for its reply
    assert "This comment was removed." not in app.test_client().get(ARTICLE).get_data(as_text=True)


def test_a_deep_reply_names_what_it_answers_in_place_and_in_its_preview(
    app, client, htmx_client, discussion
):
    reply(client, 1, body="Level one.")  # 4
    reply(client, 4, body="Level two.")  # 5
    data = reply_data(client, 5, body="Level three.")
    preview = htmx_client.post(f"{POST}/5/replies", data={**data, "reply-5-preview": "1"})
    assert 'in reply to <a href="#comment-5">' in preview.get_data(as_text=True)
    posted = htmx_client.post(f"{POST}/5/replies", data=data).get_data(as_text=True)
    assert 'in reply to <a href="#comment-5">' in posted


@pytest.mark.parametrize(
    ("how", "notice"),
    [("edit", "This comment is awaiting moderation."), ("spam", "This comment was removed.")],
)
def test_a_thread_stays_when_its_top_comment_is_held_or_marked_spam(
    app, client, discussion, how, notice
):
    mine = own_comment(client, body="A question for all.")
    assert reply(app.test_client(), mine, body="An answer from someone else.").status_code == 303
    if how == "edit":
        app.config["COMMENT_MODERATION_WORDS"] = ["casino"]
        client.post(f"{POST}/{mine}/edit", data={f"edit-{mine}-body": "About a casino."})
    else:
        from blog.admin import moderation

        with app.app_context():
            moderation.apply("spam", [mine])
            db.session.commit()
    assert published_count(app) == 4  # three, and the answer
    html = app.test_client().get(ARTICLE).get_data(as_text=True)
    assert "An answer from someone else." in html and notice in html
    assert "casino" not in html and "A question for all." not in html
    assert shown_ids(html) == [2, 3, mine, mine + 1]  # the thread keeps its place
    location = app.test_client().get(f"{POST}/{mine + 1}").headers["Location"]
    assert location.endswith(f"#comment-{mine + 1}")


def test_edits_are_limited_per_comment(app, client, discussion):
    mine = own_comment(client)
    for n in range(10):
        saved = client.post(f"{POST}/{mine}/edit", data={f"edit-{mine}-body": f"Version {n}."})
        assert saved.status_code == 303
    refused = client.post(f"{POST}/{mine}/edit", data={f"edit-{mine}-body": "Version 10."})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "changed many times already" in html
    assert "Version 10." in html  # what they typed is still there
    assert stored(app, id=mine)[0].body == "Version 9."


def test_a_comments_addresses_sit_under_its_permalink(app):
    """The comment template builds them from the permalink (one url_for per comment)."""
    from flask import url_for

    with app.test_request_context():
        here = url_for("comments.permalink", slug="a-b", comment_id=7)
        assert url_for("comments.reply", slug="a-b", comment_id=7) == here + "/reply"
        assert url_for("editing.edit", slug="a-b", comment_id=7) == here + "/edit"
        assert url_for("editing.delete", slug="a-b", comment_id=7) == here + "/delete"


# --- found by a second review --------------------------------------------------------

H = {"HX-Request": "true"}


def test_a_permalink_counts_threads_shown_as_notices(app, client):
    app.config["COMMENTS_PER_PAGE"] = 3
    with app.app_context():
        add_comments(make_article(), 5)  # threads 1..5
    reply(app.test_client(), 3, body="An answer to three.")  # 6
    with app.app_context():
        moderation.apply("spam", [3])
        db.session.commit()  # thread 3 stays, as a notice
    loc = client.get(f"{POST}/2").headers["Location"]  # "/articles/a-quiet-article#comment-2"
    assert 2 in shown_ids(client.get(loc).get_data(as_text=True))  # page shows [3, 6, 4, 5]


def test_a_poster_with_held_threads_of_their_own_lands_on_their_reply(app, client):
    app.config["COMMENTS_PER_PAGE"] = 3
    with app.app_context():
        add_comments(make_article(), 5)
    app.config["COMMENT_MODERATION_WORDS"] = ["casino"]
    for n in range(2):  # two held threads of their own (6, 7): only they see them
        client.post(POST, data=comment_data(form_tokens(client, ARTICLE), body=f"casino {n}"))
    loc = reply(client, 4, body="My answer to four.").headers["Location"]  # "...#comment-8"
    assert "comment-8" in client.get(loc).get_data(as_text=True)  # their page shows [5, 6, 7]


def test_the_owner_may_answer_two_comments_with_the_same_words(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        add_comments(make_article(), 2, status=CommentStatus.PENDING)
    signed_in_owner(app, client)
    token = admin_token(client, "/admin/comments/1/reply")
    assert (
        client.post(
            "/admin/comments/1/reply", data={"csrf_token": token, "body": "Thanks!"}
        ).status_code
        == 303
    )
    second = client.post("/admin/comments/2/reply", data={"csrf_token": token, "body": "Thanks!"})
    assert second.status_code != 500


def test_replies_in_threads_the_page_does_not_show_are_not_news(app, client, htmx_client):
    app.config["COMMENTS_PER_PAGE"] = 2
    with app.app_context():
        add_comments(make_article(), 4)  # page shows threads 3, 4
    reply(app.test_client(), 1, body="A late answer to the first.")  # 5, thread 1 (earlier page)
    url = poll_url(client.get(ARTICLE).get_data(as_text=True))  # ...since=3&after=4
    other = app.test_client()
    other.post(POST, data=comment_data(form_tokens(other, ARTICLE), body="Really new."))  # 6
    news = htmx_client.get(url).get_data(as_text=True)
    button = re.search(r'id="comments-new-button"[^>]*hx-get="([^"]+)"', news).group(1)
    shown = htmx_client.get(button.replace("&amp;", "&")).get_data(as_text=True).replace("\n", "")
    # before the fix: "2 new comments", and 5 goes into #replies-1, which the page does not have
    assert "1 new comment: show them" in news
    assert "beforeend:#replies-1" not in shown


def test_a_removed_comment_named_by_a_deep_reply_keeps_its_place(app, client):
    with app.app_context():
        add_comments(make_article(), 1)
    reply(client, 1, body="Level one.")  # 2
    writer = app.test_client()
    reply(writer, 2, body="Level two, to be deleted.")  # 3 (deepest shown level)
    reply(app.test_client(), 3, body="Level three.")  # 4, shown beside 3, naming it
    writer.post(f"{POST}/3/delete")  # 3 keeps its place (removed)
    html = app.test_client().get(ARTICLE).get_data(as_text=True)
    assert 'href="#comment-3"' in html  # "in reply to a removed comment"
    assert 'id="comment-3"' in html  # ...but nothing has that id


def test_a_deep_reply_keeps_in_reply_to_after_an_inline_edit(app, client):
    with app.app_context():
        add_comments(make_article(), 1)
    other = app.test_client()
    reply(other, 1, body="Level one.")
    reply(other, 2, body="Level two.")
    reply(client, 3, body="Level three, shown at two.")  # 4
    assert "comment-answers" in client.get(ARTICLE).get_data(as_text=True)
    saved = client.post(f"{POST}/4/edit", data={"edit-4-body": "Edited."}, headers=H)
    assert "comment-answers" in saved.get_data(as_text=True)


def test_an_inline_delete_also_takes_away_the_placeholder_it_empties(app, client):
    with app.app_context():
        add_comments(make_article(), 1)
    writer = app.test_client()
    reply(writer, 1, body="To be removed.")  # 2
    reply(client, 2, body="My answer.")  # 3
    writer.post(f"{POST}/2/delete")  # 2 -> placeholder
    done = client.post(f"{POST}/3/delete", headers=H).get_data(as_text=True)
    assert [c.id for c in stored(app)] == [1]  # 2 went with it
    assert '<li id="comment-2" hx-swap-oob="delete"></li>' in done


def test_show_earlier_still_leads_somewhere_after_its_anchor_is_deleted(app, client):
    app.config["COMMENTS_PER_PAGE"] = 2
    with app.app_context():
        add_comments(make_article(), 4)
    html = client.get(ARTICLE).get_data(as_text=True)
    link = re.search(r'id="comments-earlier-link"[^>]*href="([^"]+)"', html).group(1)  # before=3
    owner = app.test_client()
    signed_in_owner(app, owner)
    owner.post("/admin/comments/3/delete", data={"csrf_token": admin_token(owner, "/admin/")})
    assert shown_ids(client.get(link).get_data(as_text=True)) == [1, 2]  # before the fix: []


def test_the_early_poll_answer_and_flask_agree_on_odd_numbers(app, client):
    with app.app_context():
        add_comments(make_article(), 3)
    q = "since=2&after=00"
    assert client.get(f"{POST}/new?{q}").status_code == client.head(f"{POST}/new?{q}").status_code
