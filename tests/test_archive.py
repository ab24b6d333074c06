"""Ways through the archive: tags (on articles, the home page and /tags/<tag>, paged by
key) and the previous/next article links, which follow every change around them."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from support import make_article

from blog.articles.writing import forget_unused_tags
from blog.extensions import db
from blog.models import ArchiveEdition, Article, OldSlug, Tag


def tag(article: Article, *names: str) -> None:
    for name in names:
        slug = name.lower().replace(" ", "-")
        found = db.session.query(Tag).filter_by(slug=slug).one_or_none()
        article.tags.append(found or Tag(slug=slug, name=name))
    db.session.commit()


@pytest.fixture
def shelf(app):
    """Three published articles a day apart, a draft and a scheduled one, all tagged."""
    with app.app_context():
        for n, slug in enumerate(("first", "second", "third")):
            made = make_article(
                slug, f"The {slug.title()} One", published_at=datetime(2020, 1, 1 + n)
            )
            tag(made, "Sleep", *(["Grief"] if slug == "second" else []))
        tag(make_article("draft", "A Draft", is_published=False), "Sleep", "Secret")
        later = datetime.now() + timedelta(days=3)
        tag(make_article("soon", "Coming Soon", published_at=later), "Sleep")


def links(html: str) -> list[str]:
    return re.findall(r'<a rel="(prev|next)" href="/articles/([a-z-]+)"', html)


def test_tags_show_on_articles_and_the_home_page(app, client, shelf):
    app.config["ARTICLES_PER_PAGE"] = 10
    page = client.get("/articles/second").get_data(as_text=True)
    assert '<a class="tag" href="/tags/grief">Grief</a>' in page
    assert '<a class="tag" href="/tags/sleep">Sleep</a>' in page
    assert client.get("/").get_data(as_text=True).count('href="/tags/sleep"') == 3


def test_a_tag_page_lists_what_readers_see_newest_first(app, client, shelf):
    app.config["ARTICLES_PER_PAGE"] = 10
    answer = client.get("/tags/sleep")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    titles = re.findall(r'<h2><a href="/articles/[^"]+">([^<]+)</a>', html)
    assert titles == ["The Third One", "The Second One", "The First One"]
    assert client.get("/tags/secret").status_code == 404  # only a draft has it
    again = client.get("/tags/sleep", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/tags/nope",
        "/tags/" + "x" * 500,
        "/tags/sleep?before=abc",
        "/tags/sleep?before=99999999999999999999",
        "/tags/%F0%9F%98%80",
        "/tags/a%00b",
    ],
)
def test_odd_tag_addresses_are_404s(client, shelf, path):
    assert client.get(path).status_code == 404


def test_a_tag_page_is_paged_by_key(app, client, shelf):
    app.config["ARTICLES_PER_PAGE"] = 2
    first = client.get("/tags/sleep").get_data(as_text=True)
    older = re.search(r'rel="next" href="(/tags/sleep\?before=\d+)"', first).group(1)
    second = client.get(older).get_data(as_text=True)
    assert "The First One" in second and "The Third One" not in second
    assert 'rel="next"' not in second


def test_previous_and_next_links_follow_the_archive(app, client, shelf):
    assert links(client.get("/articles/second").get_data(as_text=True)) == [
        ("prev", "first"),
        ("next", "third"),
    ]
    assert links(client.get("/articles/first").get_data(as_text=True)) == [("next", "second")]
    third = client.get("/articles/third")
    assert links(third.get_data(as_text=True)) == [("prev", "second")]  # not the scheduled one
    with time_machine.travel(datetime.now() + timedelta(days=4), tick=False):
        moved = client.get("/articles/third", headers={"If-None-Match": third.headers["ETag"]})
        assert moved.status_code == 200
        assert links(moved.get_data(as_text=True)) == [("prev", "second"), ("next", "soon")]
    with app.app_context():  # a neighbour renamed: the page that links to it follows
        second = db.session.query(Article).filter_by(slug="second").one()
        second.title, second.edit_version = "The Renamed One", second.edit_version + 1
        db.session.commit()
    assert "The Renamed One" in client.get("/articles/third").get_data(as_text=True)
    with app.app_context():  # and one deleted
        db.session.delete(db.session.query(Article).filter_by(slug="second").one())
        forget_unused_tags()
        db.session.commit()
        assert db.session.query(Tag).filter_by(slug="grief").one_or_none() is None
    assert links(client.get("/articles/third").get_data(as_text=True)) == [("prev", "first")]


@pytest.mark.parametrize(
    "path", ["/tags/secret", "/tags/Secret", "/tags/secret?before=1", "/tags/sleep?before=4"]
)
def test_a_tag_or_page_start_readers_cannot_see_is_not_found(client, shelf, path):
    assert client.get(path).status_code == 404  # 4 is the draft


@pytest.mark.parametrize("before", ["4", "5", "999"])  # a draft, a scheduled one, none
def test_the_home_page_says_nothing_about_hidden_articles(client, shelf, before):
    answer = client.get(f"/?before={before}")
    assert answer.status_code == 404 and b"The First One" not in answer.data


def test_a_tag_address_is_never_sent_to_an_article(app, client, shelf):
    with app.app_context():
        db.session.add(OldSlug(slug="grief", article_id=1))
        db.session.commit()
    assert client.get("/articles/grief").status_code == 301
    assert client.get("/tags/grief").status_code == 200  # the tag itself, not a redirect
    assert client.get("/tags/first").status_code == 404


def test_only_changes_readers_can_see_move_the_archive_edition(app, shelf):
    def stamp() -> int:
        return db.session.scalar(select(ArchiveEdition.stamp))

    with app.app_context():
        before = stamp()
        draft = db.session.query(Article).filter_by(slug="draft").one()
        draft.title = "A Draft, Retitled"
        db.session.commit()
        assert stamp() == before  # nobody sees a draft: no cached page needs to change
        draft.is_published = True
        db.session.commit()
        assert stamp() != before
