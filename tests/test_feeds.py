"""What machines read: the Atom feed of articles (parsed as feed readers do, with
feedparser), sitemap.xml and robots.txt; every address from SITE_URL, 304 when unchanged,
no cookie."""

from datetime import datetime

import feedparser
import pytest
from defusedxml import ElementTree
from sqlalchemy import select
from support import make_article

from blog.extensions import db


@pytest.fixture
def articles(app):
    with app.app_context():
        make_article(title="Older <Thoughts> & More", published_at=datetime(2020, 1, 2, 9, 0))
        make_article(slug="newer-one", title="Newer One", published_at=datetime(2021, 5, 6, 7, 8))
        make_article(slug="hidden-draft", title="Hidden Draft", is_published=False)


def test_the_feed_validates_and_lists_published_articles_newest_first(client, articles):
    answer = client.get("/feed.atom")
    assert answer.status_code == 200
    assert answer.mimetype == "application/atom+xml" and "Set-Cookie" not in answer.headers
    feed = feedparser.parse(answer.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Test Notes" and feed.feed.id == "http://localhost/"
    assert feed.feed.updated and {link.rel for link in feed.feed.links} == {"alternate", "self"}
    assert [e.title for e in feed.entries] == ["Newer One", "Older <Thoughts> & More"]
    entry = feed.entries[0]
    assert entry.id == entry.link == "http://localhost/articles/newer-one"
    assert entry.author == "Ada Writer" and entry.published.startswith("2021-05-06T07:08")
    assert "First paragraph of the article." in entry.content[0].value
    assert all(e.updated for e in feed.entries)


def test_feed_sitemap_and_robots_answer_304_when_unchanged(client, articles):
    for path in ("/feed.atom", "/sitemap.xml", "/robots.txt"):
        first = client.get(path)
        assert first.headers["ETag"] and "public" in first.headers["Cache-Control"]
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path


def test_the_feed_changes_when_an_article_is_published(app, client, articles):
    etag = client.get("/feed.atom").headers["ETag"]
    with app.app_context():
        make_article(slug="brand-new", title="Brand New", published_at=datetime(2022, 1, 1))
    changed = client.get("/feed.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and b"Brand New" in changed.data


def test_the_sitemap_lists_published_articles_with_lastmod(app, client, articles):
    answer = client.get("/sitemap.xml")
    tree = ElementTree.fromstring(answer.data)
    space = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    places = [u.findtext("s:loc", namespaces=space) for u in tree.findall("s:url", space)]
    assert places == [
        "http://localhost/",
        "http://localhost/articles/newer-one",
        "http://localhost/articles/a-quiet-article",
    ]
    lastmods = [u.findtext("s:lastmod", namespaces=space) for u in tree.findall("s:url", space)]
    assert all(len(m) == 20 and m.endswith("Z") for m in lastmods[1:])


def test_robots_points_at_the_sitemap_on_the_configured_address(client, articles):
    text = client.get("/robots.txt", headers={"Host": "localhost"}).get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in text and "Disallow: /admin/" in text
    assert client.get("/robots.txt", headers={"Host": "evil.example"}).status_code == 400


def test_pages_name_the_feed(client, articles):
    for path in ("/", "/articles/newer-one"):
        html = client.get(path).get_data(as_text=True)
        assert (
            '<link rel="alternate" type="application/atom+xml" title="Test Notes" '
            'href="/feed.atom">' in html
        )


def test_an_empty_blog_has_a_valid_feed(client):
    feed = feedparser.parse(client.get("/feed.atom").data)
    assert not feed.bozo and feed.entries == []
    assert client.get("/feed.atom").headers["ETag"] == client.get("/feed.atom").headers["ETag"]


def test_comment_feeds_list_published_comments_with_permalinks(app, client, articles):
    from support import add_comments

    from blog.models import Article, CommentStatus

    with app.app_context():
        quiet = db.session.scalar(select(Article).where(Article.slug == "a-quiet-article"))
        add_comments(quiet, 2)
        add_comments(quiet, 1, status=CommentStatus.PENDING, start=datetime(2009, 1, 1))
        hidden = db.session.scalar(select(Article).where(Article.slug == "hidden-draft"))
        add_comments(hidden, 1, start=datetime(2010, 1, 1))
    one = feedparser.parse(client.get("/articles/a-quiet-article/comments.atom").data)
    assert not one.bozo and one.feed.title == "Comments on Older <Thoughts> & More"
    assert [e.title for e in one.entries] == [
        "Reader 2 on Older <Thoughts> & More",
        "Reader 1 on Older <Thoughts> & More",
    ]
    assert one.entries[0].link.startswith("http://localhost/articles/a-quiet-article/comments/")
    assert "reader2@example.com" not in client.get("/comments.atom").get_data(as_text=True)
    every = feedparser.parse(client.get("/comments.atom").data)
    assert len(every.entries) == 2  # not the held one, nor the draft's
    assert client.get("/articles/hidden-draft/comments.atom").status_code == 404
    assert client.get("/articles/no-such/comments.atom").status_code == 404
    html = client.get("/articles/a-quiet-article").get_data(as_text=True)
    assert 'href="/articles/a-quiet-article/comments.atom"' in html
    etag = client.get("/comments.atom").headers["ETag"]
    assert client.get("/comments.atom", headers={"If-None-Match": etag}).status_code == 304
