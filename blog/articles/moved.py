"""Addresses that never break: a request for any page of an article under one of its old
slugs is sent on to its current address (301; 308 for a form sent from an old page, which
keeps its method and fields). Unknown slugs, and articles readers cannot see, stay 404s."""

from urllib.parse import urlencode

from flask import Flask, redirect, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ..extensions import db
from ..models import PUBLISHED, SLUG, Article, OldSlug
from ..web.errors import own_description, render_error

_CURRENT_SLUG = (
    select(Article.slug).join(OldSlug, OldSlug.article_id == Article.id).where(PUBLISHED)
)


def current_address() -> str | None:
    """Where this request would have gone had it named the article's current slug."""
    old = (request.view_args or {}).get("slug")
    if old is None or request.endpoint is None or not SLUG.fullmatch(old):
        return None  # never a slug (PostgreSQL would refuse a NUL in it, too)
    slug = db.session.scalar(_CURRENT_SLUG.where(OldSlug.slug == old))
    if slug is None:
        return None
    address = url_for(request.endpoint, **{**request.view_args, "slug": slug})
    query = urlencode(list(request.args.items(multi=True)))
    return f"{address}?{query}" if query else address


def register(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def not_found(error: NotFound):
        address = current_address()
        if address is None:
            return render_error(404, own_description(error))
        moved = redirect(address, 301 if request.method in ("GET", "HEAD") else 308)
        # Browsers would keep a 301 for good: were the old slug taken back, the page would
        # send them round in a loop. They ask again each time; search engines still move.
        moved.headers["Cache-Control"] = "no-cache"
        return moved
