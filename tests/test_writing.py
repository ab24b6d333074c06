"""The owner's desk: writing, previewing, saving, scheduling, unpublishing and deleting
articles in the browser (as plain forms here; tests/browser has the journeys)."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from support import TOKEN, add_comments, make_article
from test_admin import admin, sign_in  # noqa: F401 (a fixture)

from blog.extensions import db
from blog.models import Article, Comment, Tag, utcnow

NEW = "/admin/articles/new"


@pytest.fixture
def owner(admin, client):  # noqa: F811
    sign_in(client)
    return client


def fields(client, path=NEW, **overrides) -> dict:
    page = client.get(path).get_data(as_text=True)
    data = {
        "csrf_token": TOKEN.search(page).group(1),
        "title": "Small Steps Toward Sleep",
        "slug": "",
        "author": "Ada Writer",
        "description": "",
        "body": "Rest is a *skill*.\n\n<script>alert(1)</script>",
        "tags": "Sleep, small habits",
        "copyright_year": "",
        "copyright_holder": "",
        "status": "published",
        "publish_at": "",
        "shown_status": "",
        "action": "save",
    }
    version = re.search(r'name="edit_version" type="hidden" value="([^"]*)"', page)
    if version:
        data["edit_version"] = version.group(1)
    for name in set(data) - {"csrf_token", "edit_version", "action", "status"}:
        found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
        if found and found.group(1):
            data[name] = found.group(1)
    data.update(overrides)
    return data


def article(app, slug) -> Article | None:
    with app.app_context():
        found = db.session.scalar(select(Article).where(Article.slug == slug))
        if found is not None:
            db.session.expunge(found)
        return found


def test_write_and_publish_a_new_article(app, owner, client):
    saved = owner.post(NEW, data=fields(owner))
    assert saved.status_code == 303
    page = owner.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Published “Small Steps Toward Sleep”." in page
    reader = app.test_client()
    shown = reader.get("/articles/small-steps-toward-sleep")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "<em>skill</em>" in html and "<script>alert" not in html
    assert "Small Steps Toward Sleep" in reader.get("/").get_data(as_text=True)
    assert "/tags/sleep" in html and "/tags/small-habits" in html
    stored = article(app, "small-steps-toward-sleep")
    assert stored.copyright_holder == "Ada Writer" and stored.copyright_year == utcnow().year


def test_a_draft_is_invisible_to_readers_everywhere(app, owner):
    owner.post(NEW, data=fields(owner, status="draft", title="Not Yet Ready"))
    reader = app.test_client()
    assert reader.get("/articles/not-yet-ready").status_code == 404
    for path in ("/", "/feed.atom", "/tags/sleep", "/search?q=ready"):
        assert b"Not Yet Ready" not in reader.get(path).data, path
    assert b"not-yet-ready" not in reader.get("/sitemap.xml").data
    listed = owner.get("/admin/articles?show=drafts").get_data(as_text=True)
    assert "Not Yet Ready" in listed and "Draft" in listed


def test_a_scheduled_article_appears_on_its_own_at_its_time(app, owner):
    at = (datetime.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    answer = owner.post(
        NEW,
        data=fields(owner, status="scheduled", title="Later On", publish_at=f"{at:%Y-%m-%dT%H:%M}"),
    )
    assert answer.status_code == 303
    reader = app.test_client()
    home = reader.get("/")
    assert reader.get("/articles/later-on").status_code == 404 and b"Later On" not in home.data
    assert b"Later On" in owner.get("/admin/articles?show=scheduled").data
    with time_machine.travel(at + timedelta(minutes=1), tick=False):
        assert reader.get("/articles/later-on").status_code == 200
        again = reader.get("/", headers={"If-None-Match": home.headers["ETag"]})
        assert again.status_code == 200 and b"Later On" in again.data
        for path in ("/feed.atom", "/tags/sleep", "/search?q=later"):
            assert b"Later On" in reader.get(path).data, path
        assert b"/articles/later-on<" in reader.get("/sitemap.xml").data


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Please give the article a title."),
        ({"title": "\u200b\u200b"}, "title", "letter or digit"),
        ({"title": "x" * 301}, "title", "under 300"),
        ({"body": "  "}, "body", "Please write the article"),
        ({"slug": "Not A Slug"}, "slug", "lowercase letters"),
        ({"slug": "a\tb"}, "slug", "lowercase letters"),
        ({"title": "😀 🌙", "slug": ""}, "slug", "type an address"),
        ({"status": "scheduled", "publish_at": ""}, "publish_at", "in the future"),
        ({"status": "scheduled", "publish_at": "2001-01-01T09:00"}, "publish_at", "future"),
        ({"status": "published", "publish_at": "2999-01-01T09:00"}, "publish_at", "Scheduled"),
        ({"publish_at": "tomorrow"}, "publish_at", "Enter a date and time"),
        ({"publish_at": "0001-01-01T00:00"}, "publish_at", "between 1900"),
        ({"publish_at": "99999-01-01T00:00"}, "publish_at", "Enter a date and time"),
        ({"copyright_year": "soon"}, "copyright_year", "Enter a year"),
        ({"copyright_year": "99999999999999999999"}, "copyright_year", "Enter a year"),
        ({"copyright_year": "-5"}, "copyright_year", "Enter a year"),
        ({"tags": ",".join(f"t{n}" for n in range(11))}, "tags", "At most 10"),
        ({"tags": "fine, 😀"}, "tags", "needs a letter"),
        ({"tags": "x" * 41}, "tags", "under 40"),
        ({"status": "live"}, "status", "Not a valid choice"),
    ],
)
def test_bad_input_is_explained_next_to_its_field_and_nothing_is_stored(
    app, owner, overrides, field, message
):
    data = fields(owner, **overrides)
    answer = owner.post(NEW, data=data)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert f'id="{field}" ' in html or f'id="{field}-0"' in html
    assert "The article was not saved" in html
    for name in ("title", "body", "tags"):  # what was typed stays
        if data[name].strip() and name != field:
            assert data[name].replace("<", "&lt;").split("\n")[0][:30] in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Article.id))) == 1  # the fixture's


def test_no_js_preview_renders_without_saving(app, owner):
    answer = owner.post(NEW, data=fields(owner, action="preview", body="# Heading\n\n**bold**"))
    html = answer.get_data(as_text=True)
    assert (
        answer.status_code == 200 and "<strong>bold</strong>" in html and "<h1>Heading</h1>" in html
    )
    assert article(app, "small-steps-toward-sleep") is None


def test_live_preview_answers_htmx_with_the_sanitized_fragment(owner):
    data = fields(owner, body="Hello *there* <img src=x onerror=alert(1)>")
    answer = owner.post("/admin/articles/preview", data=data, headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<em>there</em>" in html
    assert "onerror" not in html and "<html" not in html
    assert answer.headers["Cache-Control"] == "no-store"
    # it stores nothing, so a page open for hours keeps its preview without a fresh token;
    # another site's page still cannot use it
    no_token = {k: v for k, v in data.items() if k != "csrf_token"}
    kept = owner.post("/admin/articles/preview", data=no_token, headers={"HX-Request": "true"})
    assert kept.status_code == 200 and "<em>there</em>" in kept.get_data(as_text=True)
    forged = owner.post(
        "/admin/articles/preview",
        data=data,
        headers={"HX-Request": "true", "Sec-Fetch-Site": "cross-site"},
    )
    assert forged.status_code == 403


def test_editing_keeps_old_addresses_working(app, owner):
    owner.post(NEW, data=fields(owner))
    edit = f"/admin/articles/{article(app, 'small-steps-toward-sleep').id}/edit"
    answer = owner.post(edit, data=fields(owner, edit, slug="sleep-in-small-steps"))
    assert answer.status_code == 303
    reader = app.test_client()
    moved = reader.get("/articles/small-steps-toward-sleep?x=1")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/articles/sleep-in-small-steps?x=1")
    for old, new in [
        (
            "/articles/small-steps-toward-sleep/comments.atom",
            "/articles/sleep-in-small-steps/comments.atom",
        ),
        ("/articles/small-steps-toward-sleep/comments", "/articles/sleep-in-small-steps/comments"),
    ]:
        answer = reader.get(old)
        assert answer.status_code == 301 and answer.headers["Location"].endswith(new), old
    assert reader.get("/articles/sleep-in-small-steps").status_code == 200
    # and again: both older addresses lead to the newest
    owner.post(edit, data=fields(owner, edit, slug="third-name"))
    for old in ("small-steps-toward-sleep", "sleep-in-small-steps"):
        assert reader.get(f"/articles/{old}").headers["Location"].endswith("/articles/third-name")
    # the article may take an old name of its own back
    assert (
        owner.post(edit, data=fields(owner, edit, slug="sleep-in-small-steps")).status_code == 303
    )
    assert reader.get("/articles/sleep-in-small-steps").status_code == 200
    assert reader.get("/articles/third-name").status_code == 301


def test_a_new_article_may_not_take_an_address_another_one_used(app, owner):
    owner.post(NEW, data=fields(owner))
    edit = f"/admin/articles/{article(app, 'small-steps-toward-sleep').id}/edit"
    owner.post(edit, data=fields(owner, edit, slug="renamed"))
    for slug in ("small-steps-toward-sleep", "renamed", "a-quiet-article"):
        refused = owner.post(NEW, data=fields(owner, title="Another", slug=slug))
        assert refused.status_code == 422 and b"has or had this address" in refused.data
    # a title whose address is taken gets a numbered one
    taken = owner.post(NEW, data=fields(owner, title="Small Steps Toward Sleep"))
    assert taken.status_code == 303 and article(app, "small-steps-toward-sleep-2") is not None


def test_a_save_from_an_older_page_is_refused_and_keeps_the_text(app, owner):
    owner.post(NEW, data=fields(owner))
    edit = f"/admin/articles/{article(app, 'small-steps-toward-sleep').id}/edit"
    first_tab, second_tab = fields(owner, edit), fields(owner, edit)
    assert owner.post(edit, data={**first_tab, "title": "From Tab One"}).status_code == 303
    refused = owner.post(edit, data={**second_tab, "body": "Words typed in tab two"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "saved from another page" in html
    assert "Words typed in tab two" in html
    assert article(app, "small-steps-toward-sleep").title == "From Tab One"
    for bad in ("", "abc", "99999999999999999999", "-1"):
        answer = owner.post(edit, data={**fields(owner, edit), "edit_version": bad})
        assert answer.status_code == 409, bad


def test_unpublish_and_delete_with_its_comments(app, owner):
    with app.app_context():
        extra = make_article("goodbye", "Goodbye Post")
        add_comments(extra, 3)
        add_comments(extra, 1, status="pending")
        article_id = extra.id
    edit = f"/admin/articles/{article_id}/edit"
    page = owner.get(edit).get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    answer = owner.post(f"/admin/articles/{article_id}/unpublish", data={"csrf_token": token})
    assert answer.status_code == 303
    reader = app.test_client()
    assert reader.get("/articles/goodbye").status_code == 404
    confirm = owner.get(f"/admin/articles/{article_id}/delete").get_data(as_text=True)
    assert "its 4 comments" in confirm
    assert owner.post(f"/admin/articles/{article_id}/delete", data={}).status_code == 400
    done = owner.post(f"/admin/articles/{article_id}/delete", data={"csrf_token": token})
    assert done.status_code == 303
    assert "Deleted “Goodbye Post” and its 4 comments." in owner.get("/admin/articles").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Article, article_id) is None
        assert (
            db.session.scalar(
                select(func.count(Comment.id)).where(Comment.article_id == article_id)
            )
            == 0
        )


def test_tags_are_kept_once_and_forgotten_when_unused(app, owner):
    owner.post(NEW, data=fields(owner, tags="Sleep, sleep, SLEEP , Small Habits,,"))
    stored = article(app, "small-steps-toward-sleep")
    edit = f"/admin/articles/{stored.id}/edit"
    with app.app_context():
        assert sorted(t.slug for t in db.session.scalars(select(Tag))) == ["sleep", "small-habits"]
    owner.post(edit, data=fields(owner, edit, tags="Rest"))
    with app.app_context():
        assert [t.slug for t in db.session.scalars(select(Tag))] == ["rest"]


@pytest.mark.parametrize(
    "path",
    ["/admin/articles", NEW, "/admin/articles/1/edit", "/admin/articles/1/delete"],
)
def test_the_desk_is_for_the_owner_only(app, admin, client, path):  # noqa: F811
    assert client.get(path).status_code in (302, 303)
    if path != "/admin/articles":
        assert client.post(path, data={"title": "x"}).status_code in (302, 303, 400, 401)
    assert client.post("/admin/articles/1/unpublish").status_code in (302, 303, 400)
    assert app.test_client().get("/articles/a-quiet-article").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/articles/99999999999999999999/edit",
        "/admin/articles/0/edit",
        "/admin/articles?before=abc",
        "/admin/articles?show=weird",
    ],
)
def test_odd_addresses_are_404s(owner, path):
    assert owner.get(path).status_code == 404


def test_the_list_pages_by_key(app, owner):
    with app.app_context():
        for n in range(55):
            make_article(
                f"post-{n}", f"Post {n}", published_at=datetime(2010, 1, 1) + timedelta(days=n)
            )
    first = owner.get("/admin/articles").get_data(as_text=True)
    assert "Post 54" in first and "Older articles" in first
    later = re.search(r'href="(/admin/articles\?[^"]*before=[^"]+)"', first).group(1)
    second = owner.get(later.replace("&amp;", "&")).get_data(as_text=True)
    assert "Post 4<" in second and "Post 54" not in second and "A Quiet Article" in second


def test_a_long_article_is_taken_from_the_owner_only(app, owner, client):
    long_text = "Ünïcödé words, again and again. " * 6000  # ~190,000 characters
    answer = owner.post(NEW, data=fields(owner, body=long_text))
    assert answer.status_code == 303
    assert article(app, "small-steps-toward-sleep").body_markdown == long_text
    too_long = owner.post(NEW, data=fields(owner, title="Too Long", body="x" * 200_001))
    assert too_long.status_code == 422 and b"over 200,000 characters" in too_long.data
    stranger = app.test_client()
    refused = stranger.post(NEW, data={"title": "x", "body": "y" * 100_000})
    assert refused.status_code == 413  # not signed in: the usual limit


def test_every_page_of_a_renamed_article_follows_it(app, owner):
    with app.app_context():
        add_comments(db.session.get(Article, 1), 2)
    edit = "/admin/articles/1/edit"
    assert owner.post(edit, data=fields(owner, edit, slug="a-calm-article")).status_code == 303
    reader = app.test_client()
    for suffix in ("/comments/1", "/comments?before=2", "/comments/1/reply", "/comments.atom"):
        moved = reader.get("/articles/a-quiet-article" + suffix)
        assert moved.status_code == 301, suffix
        assert moved.headers["Location"] == "/articles/a-calm-article" + suffix, suffix
    assert reader.head("/articles/a-quiet-article").status_code == 301
    for never in ("/articles/a%00b", "/articles/a%00b/comments.atom", "/articles/%F0%9F%98%80"):
        assert reader.get(never).status_code == 404, never
    htmx = reader.get("/articles/a-quiet-article/comments?before=2", headers={"HX-Request": "true"})
    assert htmx.status_code == 301
    # a comment sent from a page opened before the rename keeps its method and fields
    sent = reader.post("/articles/a-quiet-article/comments", data={"comment-body": "Hi"})
    assert sent.status_code == 308
    assert sent.headers["Location"] == "/articles/a-calm-article/comments"
    # an odd query string is passed on, encoded, and the redirect stays on this site
    odd = reader.get("/articles/a-quiet-article?next=//evil.example&x=%0d%0aSet-Cookie:a")
    assert odd.headers["Location"].startswith("/articles/a-calm-article?")
    assert "\r" not in odd.headers["Location"] and "\n" not in odd.headers["Location"]
    with app.app_context():  # once unpublished, old and new addresses are simply not found
        db.session.get(Article, 1).is_published = False
        db.session.commit()
    assert reader.get("/articles/a-quiet-article").status_code == 404
    assert reader.get("/articles/a-calm-article").status_code == 404


# What an attacking review found, each pinned.


def test_an_old_address_taken_back_never_loops(app, owner):
    owner.post(NEW, data=fields(owner, title="Alpha"))
    edit = f"/admin/articles/{article(app, 'alpha').id}/edit"
    owner.post(edit, data=fields(owner, edit, slug="beta"))
    reader = app.test_client()
    moved = reader.get("/articles/alpha")
    assert moved.status_code == 301 and moved.headers["Cache-Control"] == "no-cache"
    owner.post(edit, data=fields(owner, edit, slug="alpha"))
    assert reader.get("/articles/alpha").status_code == 200
    assert reader.get("/articles/beta").headers["Location"] == "/articles/alpha"


def test_publishing_a_draft_publishes_it_now(app, owner):
    with app.app_context():  # a draft first saved long ago
        make_article("small-steps-toward-sleep", "Small Steps", is_published=False)
    edit = f"/admin/articles/{article(app, 'small-steps-toward-sleep').id}/edit"
    page = owner.get(edit).get_data(as_text=True)
    assert 'name="publish_at" type="datetime-local" value=""' in page  # a draft: no time yet
    before = utcnow().replace(microsecond=0)
    assert owner.post(edit, data=fields(owner, edit, status="published")).status_code == 303
    assert article(app, "small-steps-toward-sleep").published_at >= before


def test_saving_without_touching_the_time_keeps_it_to_the_second(app, owner):
    with app.app_context():
        make_article("precise", "Precise", published_at=datetime(2020, 3, 1, 10, 0, 30))
        article_id = article(app, "precise").id
    edit = f"/admin/articles/{article_id}/edit"
    assert owner.post(edit, data=fields(owner, edit, title="Still Precise")).status_code == 303
    assert article(app, "precise").published_at == datetime(2020, 3, 1, 10, 0, 30)


@pytest.mark.parametrize(
    ("typed", "message"),
    [("2027-03-28T01:30", "skip this time"), ("2026-10-25T01:30", "happens twice")],
)
def test_a_time_the_clocks_skip_or_repeat_is_pointed_out(app, owner, typed, message):
    app.config["TIMEZONE"] = "Europe/London"
    answer = owner.post(NEW, data=fields(owner, status="scheduled", publish_at=typed))
    assert answer.status_code == 422 and message in answer.get_data(as_text=True)


def test_a_time_stored_in_the_repeated_hour_survives_a_save(app, owner):
    app.config["TIMEZONE"] = "Europe/London"
    second_one_thirty = datetime(2026, 10, 25, 1, 30)  # UTC: 01:30 GMT, after 01:30 BST
    with app.app_context():
        make_article("autumn", "Autumn", published_at=second_one_thirty)
        article_id = article(app, "autumn").id
    edit = f"/admin/articles/{article_id}/edit"
    assert owner.post(edit, data=fields(owner, edit, title="Autumn Again")).status_code == 303
    assert article(app, "autumn").published_at == second_one_thirty


def test_a_scheduled_article_whose_time_came_while_open_saves_as_published(app, owner):
    at = (datetime.now() + timedelta(minutes=2)).replace(second=0, microsecond=0)
    owner.post(NEW, data=fields(owner, status="scheduled", publish_at=f"{at:%Y-%m-%dT%H:%M}"))
    edit = f"/admin/articles/{article(app, 'small-steps-toward-sleep').id}/edit"
    opened = fields(owner, edit)
    assert opened["status"] == "published"  # the helper's default; the page says scheduled
    opened["status"] = "scheduled"
    with time_machine.travel(at + timedelta(minutes=1), tick=False):
        saved = owner.post(edit, data={**opened, "title": "Typo Fixed"})
        assert saved.status_code == 303
        assert app.test_client().get("/articles/small-steps-toward-sleep").status_code == 200


def test_a_page_open_past_its_token_keeps_its_text(app, owner):
    data = fields(owner, body="Seven hours of careful words.")
    data["csrf_token"] = "expired-or-forged"
    answer = owner.post(NEW, data=data)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "longer than its security token lasts" in html
    assert "Seven hours of careful words." in html and 'name="csrf_token"' in html
    assert article(app, "small-steps-toward-sleep") is None
    again = {**data, "csrf_token": TOKEN.search(html).group(1)}
    assert owner.post(NEW, data=again).status_code == 303
    forged = owner.post(NEW, data=again, headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403


def test_a_save_of_an_article_deleted_meanwhile_keeps_the_text(app, owner):
    with app.app_context():
        article_id = make_article("doomed", "Doomed").id
    edit = f"/admin/articles/{article_id}/edit"
    opened = fields(owner, edit)
    token = TOKEN.search(owner.get(f"/admin/articles/{article_id}/delete").data.decode()).group(1)
    owner.post(f"/admin/articles/{article_id}/delete", data={"csrf_token": token})
    answer = owner.post(edit, data={**opened, "body": "Words worth keeping."})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "was deleted from another page" in html
    assert "Words worth keeping." in html and 'action="/admin/articles/new"' in html


@pytest.mark.parametrize("version", ["²", "١", "", "-1", "1e3", " 1"])
def test_an_edit_version_this_site_never_wrote_is_a_conflict_not_a_500(app, owner, version):
    edit = "/admin/articles/1/edit"
    answer = owner.post(edit, data={**fields(owner, edit), "edit_version": version})
    assert answer.status_code == 409


def test_tags_of_any_script_and_tags_that_would_share_an_address(app, owner):
    clash = owner.post(NEW, data=fields(owner, tags="C, C++, C#"))
    assert clash.status_code == 422 and "would share one address" in clash.get_data(as_text=True)
    assert owner.post(NEW, data=fields(owner, tags="Сон, Café")).status_code == 303
    reader = app.test_client()
    assert reader.get("/tags/%D1%81%D0%BE%D0%BD").status_code == 200
    assert b"Small Steps Toward Sleep" in reader.get("/tags/cafe").data


def test_no_js_preview_shows_no_errors_and_the_error_list_links_to_fields(app, owner):
    preview = owner.post(NEW, data=fields(owner, action="preview", title="", status="live"))
    assert preview.status_code == 200 and b"field-error" not in preview.data
    refused = owner.post(NEW, data=fields(owner, status="live")).get_data(as_text=True)
    assert 'href="#status-0"' in refused and 'id="status-0"' in refused


def test_a_tag_keeps_its_address_and_one_name_across_articles(app, owner):
    with app.app_context():
        make_article("other", "Other Post")
    edit_other = "/admin/articles/2/edit"
    assert (
        owner.post(edit_other, data=fields(owner, edit_other, tags="C++, javascript")).status_code
        == 303
    )
    clash = owner.post(NEW, data=fields(owner, tags="C"))
    html = clash.get_data(as_text=True)
    assert clash.status_code == 422 and "with the tag “C++”" in html
    # the same tag in other capitals: one tag, its new name everywhere
    reader = app.test_client()
    assert b">javascript<" in reader.get("/articles/other").data  # cached now
    assert owner.post(NEW, data=fields(owner, tags="JavaScript")).status_code == 303
    with app.app_context():
        assert [
            t.name for t in db.session.scalars(select(Tag).where(Tag.slug == "javascript"))
        ] == ["JavaScript"]
    assert b">JavaScript<" in reader.get("/articles/other").data


@pytest.mark.parametrize(("one", "other"), [("กิน", "กัน"), ("किला", "काला"), ("தமிழ்", "தமிழ")])
def test_words_differing_only_in_vowel_signs_are_different_tags(app, owner, one, other):
    assert owner.post(NEW, data=fields(owner, title="First", tags=one)).status_code == 303
    assert owner.post(NEW, data=fields(owner, title="Second", tags=other)).status_code == 303
    with app.app_context():
        assert len(set(db.session.scalars(select(Tag.slug)))) == 2


@pytest.mark.parametrize(
    ("asked", "address"),
    [
        ("/tags/Sleep", "/tags/sleep"),
        ("/tags/Caf%C3%A9", "/tags/cafe"),
        ("/tags/%EF%BD%93leep", "/tags/sleep"),
    ],
)
def test_a_tag_written_another_way_is_sent_to_its_address(app, owner, asked, address):
    owner.post(NEW, data=fields(owner, tags="Sleep, Café"))
    answer = app.test_client().get(asked)
    assert answer.status_code == 301 and answer.headers["Location"] == address


def test_a_save_after_signing_out_keeps_the_words_and_reads_nothing_stored(app, owner):
    with app.app_context():
        make_article("private-draft", "Private Draft", is_published=False, body="Secret plans.")
    edit = "/admin/articles/2/edit"
    opened = fields(owner, edit)
    token = TOKEN.search(owner.get("/admin/articles").get_data(as_text=True)).group(1)
    owner.post("/admin/logout", data={"csrf_token": token})
    answer = owner.post(edit, data={**opened, "body": "Words typed before the sign-out."})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 401 and "You are signed out" in html
    assert "Words typed before the sign-out." in html and f'action="{edit}"' in html
    assert "Secret plans." not in html  # only what was sent comes back
    preview = owner.post(
        "/admin/articles/preview", data=opened, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "You are signed out" in preview and "<html" not in preview
    stranger = app.test_client().post(edit, data={"title": "x", "body": "y"})
    assert stranger.status_code == 401 and b"Private Draft" not in stranger.data
    assert article(app, "private-draft").body_markdown == "Secret plans."


def test_choosing_scheduled_for_a_published_article_needs_a_future_time(app, owner):
    edit = "/admin/articles/1/edit"
    answer = owner.post(edit, data={**fields(owner, edit), "status": "scheduled"})
    assert answer.status_code == 422 and b"needs a publish time in the future" in answer.data
