"""Jinja filters and globals shared by every template."""

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request, url_for

from . import dates
from .cookies import dismissed


def register(app: Flask) -> None:
    zone = app.config["TIMEZONE"]  # read once: a page of comments formats a hundred dates

    def local(moment: datetime) -> datetime:
        return dates.localize(moment, zone)

    app.jinja_env.filters["long_date"] = lambda m: dates.long_date(local(m))
    app.jinja_env.filters["short_date"] = lambda m: dates.short_date(local(m))
    app.jinja_env.filters["iso"] = lambda m: local(m).isoformat()
    app.jinja_env.filters["first_invalid_field"] = first_invalid_field
    app.jinja_env.tests["web_address"] = is_web_address
    app.jinja_env.globals["absolute_url"] = absolute_url
    app.jinja_env.globals["asset_url"] = asset_url
    # Settings read once: a context processor would run for every template rendered.
    app.jinja_env.globals["site_name"] = app.config["SITE_NAME"]
    app.jinja_env.globals["site_publisher"] = app.config["SITE_PUBLISHER"]
    app.jinja_env.globals["site_tagline"] = app.config["SITE_TAGLINE"]
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def reader_state() -> dict:
        if not has_request_context():  # an email, rendered by a sender
            return {}
        return {"show_cookie_notice": not dismissed(request.cookies)}


def first_invalid_field(form) -> str | None:
    """The name of the first field with an error, to put focus there."""
    return next((field.short_name for field in form if field.errors), None)


def is_web_address(value: str | None) -> bool:
    """Defence in depth: only http(s) addresses ever become links."""
    return bool(value) and value.lower().startswith(("http://", "https://"))


def absolute_url(endpoint: str, **values) -> str:
    """A full URL on the site's configured address (SITE_URL), whatever the request said."""
    adapter = current_app.extensions.get("site_urls")
    if adapter is None:
        site = urlsplit(current_app.config["SITE_URL"])
        adapter = current_app.extensions["site_urls"] = current_app.url_map.bind(
            site.netloc, script_name=site.path or "/", url_scheme=site.scheme
        )
    return adapter.build(endpoint, values, force_external=True)


def asset_url(filename: str) -> str:
    """A static file's address with a hash of its content, so that caches may keep it for
    a year and a changed file is fetched anew."""
    return url_for(
        "static", filename=filename, v=_content_hash(current_app.static_folder, filename)
    )


@cache
def _content_hash(folder: str, filename: str) -> str:
    return hashlib.blake2b((Path(folder) / filename).read_bytes(), digest_size=4).hexdigest()
