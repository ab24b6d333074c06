"""Jinja filters and globals shared by every template."""

from datetime import datetime

from flask import Flask, current_app, request

from . import dates
from .consent import dismissed


def _local(moment: datetime) -> datetime:
    return dates.localize(moment, current_app.config["TIMEZONE"])


def register(app: Flask) -> None:
    app.jinja_env.filters["long_date"] = lambda m: dates.long_date(_local(m))
    app.jinja_env.filters["short_date"] = lambda m: dates.short_date(_local(m))
    app.jinja_env.filters["iso"] = lambda m: _local(m).isoformat()
    app.jinja_env.filters["first_invalid_field"] = first_invalid_field
    app.jinja_env.tests["web_address"] = is_web_address
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def site_globals() -> dict:
        return {
            "site_name": current_app.config["SITE_NAME"],
            "site_publisher": current_app.config["SITE_PUBLISHER"],
            "site_tagline": current_app.config["SITE_TAGLINE"],
            "show_cookie_notice": not dismissed(current_app.config, request.cookies),
        }


def first_invalid_field(form) -> str | None:
    """The name of the first field with an error, to put focus there."""
    return next((field.short_name for field in form if field.errors), None)


def is_web_address(value: str | None) -> bool:
    """Defence in depth: only http(s) addresses ever become links."""
    return bool(value) and value.lower().startswith(("http://", "https://"))
