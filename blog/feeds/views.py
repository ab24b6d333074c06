"""The Atom feed of articles (made with feedgen), sitemap.xml and robots.txt.

Every address in them comes from SITE_URL, never from the request. Each answer carries an
ETag of its own bytes and is public with revalidation, so a feed reader polling an
unchanged feed gets a 304.
"""

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy import select

from ..extensions import db
from ..models import Article
from ..speed.pages import PUBLIC
from ..web.templating import absolute_url

bp = Blueprint("feeds", __name__)

FEED_ENTRIES = 20
EMPTY_SINCE = datetime(2000, 1, 1)


def published_newest_first(limit: int | None = None) -> list[Article]:
    stmt = (
        select(Article)
        .where(Article.is_published.is_(True))
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def _answer(body: str, mimetype: str) -> Response:
    """Public, revalidated, with an ETag of the bytes: 304 when they have not changed."""
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = PUBLIC
    response.add_etag()
    return response.make_conditional(request)


def _utc(moment):
    return moment.replace(tzinfo=UTC)


@bp.get("/feed.atom")
def articles_feed():
    articles = published_newest_first(FEED_ENTRIES)
    feed = FeedGenerator()
    home = absolute_url("articles.index")
    feed.id(home)
    feed.title(current_app.config["SITE_NAME"])
    feed.subtitle(current_app.config["SITE_TAGLINE"])
    feed.link(href=home, rel="alternate")
    feed.link(href=absolute_url("feeds.articles_feed"), rel="self")
    feed.language("en")
    # an empty blog's feed still says when (a fixed moment keeps its ETag steady)
    feed.updated(_utc(max((a.updated_at for a in articles), default=EMPTY_SINCE)))
    for article in reversed(articles):  # feedgen puts each new entry first
        url = absolute_url("articles.show", slug=article.slug)
        entry = feed.add_entry()
        entry.id(url)
        entry.title(article.title)
        entry.link(href=url, rel="alternate")
        entry.author(name=article.author)
        entry.published(_utc(article.published_at))
        entry.updated(_utc(article.updated_at))
        entry.summary(article.meta_description)
        entry.content(article.body_html, type="html")
    return _answer(feed.atom_str(pretty=False).decode(), "application/atom+xml")


@bp.get("/sitemap.xml")
def sitemap():
    articles = published_newest_first()
    body = render_template("feeds/sitemap.xml", articles=articles)
    return _answer(body, "application/xml")


@bp.get("/robots.txt")
def robots():
    body = render_template("feeds/robots.txt")
    return _answer(body, "text/plain")
