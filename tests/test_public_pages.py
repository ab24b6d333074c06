"""Public pages are the same for every reader, set no cookies, and are cacheable anywhere."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from support import (
    ARTICLE,
    STARTED,
    add_comments,
    comment_data,
    database_uri,
    form_tokens,
    make_article,
)

from blog import create_app
from blog.extensions import db
from blog.models import Article, Comment, CommentStatus
from blog.speed.pages import STAMP_SLOT

READING = ["/", "/?before=2", ARTICLE, ARTICLE + "/comments?before=3", "/terms", "/nowhere"]


@pytest.fixture
def thread(app):
    with app.app_context():
        article = make_article()
        make_article("second", "Second")
        make_article("third", "Third")
        add_comments(article, 8)


def without_stamp(html: str) -> str:
    return STARTED.sub("", html)


@pytest.mark.parametrize("path", READING)
@pytest.mark.parametrize("htmx", [False, True])
def test_reading_sets_no_cookie(thread, client, path, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    for _ in range(2):  # the first view fills the cache, the second is served from it
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 404)
        assert "Set-Cookie" not in response.headers, path
    assert not list(client._cookies), "the client was given a cookie"


@pytest.mark.parametrize("path", ["/", "/?before=2", ARTICLE, ARTICLE + "/comments?before=3"])
def test_public_pages_are_cacheable_by_anyone(thread, client, htmx_client, path):
    for reader in (client, htmx_client):
        response = reader.get(path)
        cache_control = response.headers["Cache-Control"]
        assert "public" in cache_control and "must-revalidate" in cache_control
        assert "max-age=0" in cache_control and "private" not in cache_control
        assert response.headers["ETag"].startswith('W/"')
        assert set(response.vary) == {"HX-Request", "HX-History-Restore-Request", "Cookie"}


def test_two_readers_get_the_same_page_but_their_own_start_time(app, thread, monkeypatch):
    first, second = app.test_client(), app.test_client()
    one = first.get(ARTICLE)
    monkeypatch.setattr("blog.comments.antispam.now", lambda: 2_000_000_000.0)
    two = second.get(ARTICLE)
    assert one.headers["ETag"] == two.headers["ETag"]
    html_one, html_two = one.get_data(as_text=True), two.get_data(as_text=True)
    assert without_stamp(html_one) == without_stamp(html_two)
    assert STARTED.search(html_one).group(1) != STARTED.search(html_two).group(1)


@pytest.mark.parametrize("path", ["/", ARTICLE, ARTICLE + "/comments?before=3"])
@pytest.mark.parametrize("method", ["get", "head"])
def test_a_client_without_cookies_revalidates_with_304(app, thread, path, method):
    etag = app.test_client().get(path).headers["ETag"]
    for tag in (etag, etag.removeprefix("W/"), f'"other", {etag}'):
        again = getattr(app.test_client(), method)(path, headers={"If-None-Match": tag})
        assert again.status_code == 304, tag
        assert again.data == b"" and "Set-Cookie" not in again.headers
        assert again.headers["ETag"] == etag
        assert "public" in again.headers["Cache-Control"]


def test_head_answers_from_the_cache_without_a_body(app, thread, client):
    client.get(ARTICLE)  # cached
    head = client.head(ARTICLE)
    assert head.status_code == 200 and head.data == b""
    assert int(head.headers["Content-Length"]) > 1000


def test_the_second_view_is_answered_before_flask(app, thread, client, monkeypatch):
    client.get(ARTICLE)

    def no_view(*args, **kwargs):
        raise AssertionError("Flask's view ran")

    monkeypatch.setattr("blog.articles.views.render_article", no_view)
    cached = client.get(ARTICLE)
    assert cached.status_code == 200 and "Comment number 8." in cached.get_data(as_text=True)
    assert "Content-Security-Policy" in cached.headers
    with pytest.raises(AssertionError, match="Flask's view ran"):
        client.get(ARTICLE + "?utm_source=x")  # another address: not cached yet


def test_a_bot_that_posts_at_once_from_a_cached_page_is_still_refused(app, thread, client):
    app.config["COMMENT_MIN_FILL_SECONDS"] = 3
    client.get(ARTICLE)  # someone else's view filled the cache
    bot = app.test_client()
    response = bot.post(ARTICLE + "/comments", data=comment_data(form_tokens(bot, ARTICLE)))
    assert response.status_code == 422
    assert "quicker than we expected" in response.get_data(as_text=True)


def test_the_start_time_is_never_put_into_what_readers_wrote(app, thread, client):
    slot = STAMP_SLOT  # the real marker: its NULs never survive into what is stored
    posted = client.post(
        ARTICLE + "/comments",
        data=comment_data(form_tokens(client, ARTICLE), name=f"Eve{slot}", body=f"Hi {slot}!"),
    )
    assert posted.status_code == 303
    for reader in (app.test_client(), app.test_client()):
        html = reader.get(ARTICLE).get_data(as_text=True)
        assert "Evestamp-" in html and "Hi stamp-" in html
        assert len(STARTED.findall(html)) == 1 and "\x00" not in html


def test_the_start_time_is_never_put_into_what_the_owner_wrote(app, client, runner, tmp_path):
    source = tmp_path / "nul.md"
    escaped = STAMP_SLOT.replace("\x00", "\\0")  # YAML's escape for NUL, in quotes
    source.write_text(
        f'---\ntitle: "Odd {escaped} title"\nslug: odd\nauthor: "A\\0B"\n'
        f'description: "D {escaped}"\ndate: 2020-01-01\n---\nBody {STAMP_SLOT} text.\n'
    )
    result = runner.invoke(args=["import-article", str(source)])
    assert result.exit_code == 0, result.output
    for path in ("/articles/odd", "/"):
        for _ in range(2):
            response = client.get(path)
            assert response.status_code == 200
            html = response.get_data(as_text=True)
            assert "\x00" not in html and "Odd stamp-" in html


# -- Variants that depend on the reader --


def test_cookie_notice_variants_never_mix(app, thread):
    dismissed, plain = app.test_client(), app.test_client()
    dismissed.post("/cookies/accept", data={"next": "/"})
    for path in ("/", ARTICLE):
        for first, second in ((dismissed, plain), (plain, dismissed)):
            first.get(path)
            second.get(path)
        with_notice, without = plain.get(path), dismissed.get(path)
        assert 'id="cookie-notice"' in with_notice.get_data(as_text=True)
        assert 'id="cookie-notice"' not in without.get_data(as_text=True)
        assert with_notice.headers["ETag"] != without.headers["ETag"]
        assert "public" in without.headers["Cache-Control"]
        stale = plain.get(path, headers={"If-None-Match": without.headers["ETag"]})
        assert stale.status_code == 200


def test_a_reader_with_a_held_comment_gets_a_private_page(app, thread):
    app.config["COMMENT_MODERATION"] = "all"
    poster, other = app.test_client(), app.test_client()
    posted = poster.post(
        ARTICLE + "/comments", data=comment_data(form_tokens(poster, ARTICLE), body="Held one.")
    )
    assert posted.status_code == 303 and "my_comments=" in posted.headers["Set-Cookie"]
    mine = poster.get(ARTICLE)
    assert "Held one." in mine.get_data(as_text=True)
    assert "awaiting moderation" in mine.get_data(as_text=True)
    assert mine.headers["Cache-Control"] == "private, no-cache"
    theirs = other.get(ARTICLE)
    assert "Held one." not in theirs.get_data(as_text=True)
    assert "public" in theirs.headers["Cache-Control"]
    # The poster's other articles, without held comments of theirs, stay shared.
    assert "public" in poster.get("/articles/second").headers["Cache-Control"]


def test_a_poster_finds_a_published_comment_on_reload_and_pages_stay_shared(app, thread):
    poster, other = app.test_client(), app.test_client()
    before = poster.get(ARTICLE)
    posted = poster.post(
        ARTICLE + "/comments", data=comment_data(form_tokens(poster, ARTICLE), body="Out now.")
    )
    assert "my_comments=" in posted.headers["Set-Cookie"]
    reload = poster.get(ARTICLE, headers={"If-None-Match": before.headers["ETag"]})
    html = reload.get_data(as_text=True)
    assert reload.status_code == 200 and "Out now." in html
    # While they may still edit it, the poster's page is theirs alone: it has the controls.
    assert reload.headers["Cache-Control"] == "private, no-cache" and ">Edit<" in html
    theirs = other.get(ARTICLE)
    assert "Out now." in theirs.get_data(as_text=True) and ">Edit<" not in theirs.get_data(
        as_text=True
    )
    assert "public" in theirs.headers["Cache-Control"]
    with app.app_context():  # the edit window has passed: one page for everyone again
        comment = db.session.scalars(select(Comment).filter_by(body="Out now.")).one()
        comment.created_at -= timedelta(minutes=app.config["COMMENT_EDIT_MINUTES"])
        db.session.commit()
    later = poster.get(ARTICLE)
    assert "public" in later.headers["Cache-Control"] and ">Edit<" not in later.get_data(
        as_text=True
    )
    assert later.headers["ETag"] == theirs.headers["ETag"]


def test_a_forged_own_comments_cookie_changes_nothing(app, thread):
    reader = app.test_client()
    plain = reader.get(ARTICLE)
    reader.set_cookie("my_comments", "1-2-3.forged")
    forged = reader.get(ARTICLE)
    assert forged.headers["ETag"] == plain.headers["ETag"]
    assert "public" in forged.headers["Cache-Control"]
    with app.app_context():
        add_comments(db.session.get(Article, 1), 1, status=CommentStatus.PENDING)
    assert "awaiting moderation" not in reader.get(ARTICLE).get_data(as_text=True)


# -- The site's own address --

CANONICAL = re.compile(r'<link rel="canonical" href="([^"]+)">')
OG_URL = re.compile(r'<meta property="og:url" content="([^"]+)">')


@pytest.fixture
def site(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "SITE_URL": "https://notes.example",
            "TRUSTED_HOSTS": ["www.notes.example"],
            "SQLALCHEMY_DATABASE_URI": database_uri(tmp_path),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        make_article()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.mark.parametrize("host", ["evil.example", "notes.example.evil.example", "", "a b"])
def test_other_hosts_are_refused_and_change_nothing(site, host):
    client = site.test_client()
    forged = client.get(ARTICLE, headers={"Host": host})
    assert forged.status_code == 400
    assert "Content-Security-Policy" in forged.headers
    assert b"evil" not in forged.data
    html = client.get(ARTICLE, base_url="https://notes.example").get_data(as_text=True)
    assert CANONICAL.search(html).group(1) == "https://notes.example/articles/a-quiet-article"
    assert OG_URL.search(html).group(1) == "https://notes.example/articles/a-quiet-article"


def test_absolute_urls_ignore_forwarded_headers_and_other_trusted_names(site):
    client = site.test_client()
    headers = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    for base in ("https://www.notes.example", "http://notes.example:8080"):
        response = client.get(ARTICLE, base_url=base, headers=headers)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert CANONICAL.search(html).group(1) == "https://notes.example/articles/a-quiet-article"
        assert "evil.example" not in html and "www.notes" not in html


def test_a_page_under_an_unexpected_script_root_is_never_shared(site):
    client = site.test_client()
    odd = client.get(ARTICLE, base_url="https://notes.example/evil")
    assert odd.status_code == 200 and "/evil/static/" in odd.get_data(as_text=True)
    assert odd.headers["Cache-Control"] == "private, no-store"
    plain = client.get(ARTICLE, base_url="https://notes.example").get_data(as_text=True)
    assert "/evil/" not in plain


def test_a_bad_site_url_is_refused_at_startup(tmp_path):
    with pytest.raises(ValueError, match="SITE_URL"):
        create_app(
            {"SECRET_KEY": "k", "SITE_URL": "notes.example", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
        )


@pytest.mark.parametrize("path", ["/", ARTICLE, ARTICLE + "/comments?before=3", "/admin/login"])
def test_a_cookie_that_is_not_utf8_is_ignored(app, thread, path):
    # As a server hands it over: each byte of the header as one latin-1 character.
    raw = "my_comments=\xff\xfe; cookie_consent=1; session=\xc3("
    client = app.test_client(use_cookies=False)  # sends the header exactly as given
    response = client.get(path, environ_overrides={"HTTP_COOKIE": raw})
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    assert 'id="cookie-notice"' not in response.get_data(as_text=True)  # the readable one


def test_the_early_lookup_keeps_one_connection_per_concurrent_request(app, thread):
    """A threaded server (flask run) starts a thread per request: connections are reused
    across threads, never one kept per thread."""
    import threading

    from blog.speed.pages import EarlyAnswers

    early = app.wsgi_app
    while not isinstance(early, EarlyAnswers):
        early = early.wsgi_app
    app.test_client().get(ARTICLE)  # cached, so the early path answers from now on
    statuses = []

    def read():
        statuses.append(app.test_client().get(ARTICLE).status_code)

    for _ in range(30):
        threads = [threading.Thread(target=read) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert statuses == [200] * 120
    if early.links.keep:  # a SQLite file; elsewhere they are the pool's
        assert 1 <= early.links.idle.qsize() <= 4, "connections were not reused"
    else:
        with app.app_context():
            assert db.engine.pool.checkedout() == 0, "a connection was not given back"
