"""Atom feeds (made with feedgen) of the articles, of one article's comments and of recent
comments site-wide; sitemap.xml and robots.txt.

Every address in them comes from SITE_URL, never from the request. Each answer carries an
ETag of its own bytes and is public with revalidation, so a feed reader polling an
unchanged feed gets a 304.
"""

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..articles.queries import published_article_or_none, published_articles
from ..extensions import db
from ..models import PUBLISHED, Comment, CommentStatus
from ..web.public import public_answer
from ..web.templating import absolute_url

bp = Blueprint("feeds", __name__)

FEED_ENTRIES = 20
EMPTY_SINCE = datetime(2000, 1, 1)


def _utc(moment):
    return moment.replace(tzinfo=UTC)


@bp.get("/feed.atom")
def articles_feed():
    articles = published_articles(FEED_ENTRIES)
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
    return public_answer(feed.atom_str(pretty=False).decode(), "application/atom+xml")


COMMENT_ENTRIES = 50


def _comments_feed(title: str, self_url: str, page_url: str, comments: list) -> Response:
    """The newest published comments, each linking to its permalink."""
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(title)
    feed.link(href=page_url, rel="alternate")
    feed.link(href=self_url, rel="self")
    feed.language("en")
    changed = [c.edited_at or c.created_at for c in comments]
    feed.updated(_utc(max(changed, default=EMPTY_SINCE)))
    for comment in reversed(comments):  # feedgen puts each new entry first
        url = absolute_url("comments.permalink", slug=comment.article.slug, comment_id=comment.id)
        entry = feed.add_entry()
        entry.id(url)
        entry.title(f"{comment.author_name} on {comment.article.title}")
        entry.link(href=url, rel="alternate")
        entry.author(name=comment.author_name)
        entry.published(_utc(comment.created_at))
        entry.updated(_utc(comment.edited_at or comment.created_at))
        entry.content(comment.body_html, type="html")
    return public_answer(feed.atom_str(pretty=False).decode(), "application/atom+xml")


def newest_comments(*conditions) -> list[Comment]:
    """Published comments on published articles, newest first."""
    stmt = (
        select(Comment)
        .join(Comment.article)
        .options(contains_eager(Comment.article))
        .where(Comment.status == CommentStatus.PUBLISHED, PUBLISHED, *conditions)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(COMMENT_ENTRIES)
    )
    return list(db.session.scalars(stmt))


@bp.get("/articles/<slug>/comments.atom")
def article_comments_feed(slug: str):
    article = published_article_or_none(slug)
    if article is None:
        abort(404, description="We could not find that article.")
    return _comments_feed(
        f"Comments on {article.title}",
        absolute_url("feeds.article_comments_feed", slug=slug),
        absolute_url("articles.show", slug=slug) + "#comments",
        newest_comments(Comment.article_id == article.id),
    )


@bp.get("/comments.atom")
def comments_feed():
    return _comments_feed(
        f"Recent comments on {current_app.config['SITE_NAME']}",
        absolute_url("feeds.comments_feed"),
        absolute_url("articles.index"),
        newest_comments(),
    )


@bp.get("/sitemap.xml")
def sitemap():
    articles = published_articles()
    body = render_template("feeds/sitemap.xml", articles=articles)
    return public_answer(body, "application/xml")


@bp.get("/robots.txt")
def robots():
    body = render_template("feeds/robots.txt")
    return public_answer(body, "text/plain")
