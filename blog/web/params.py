"""Ids and cursors from requests: one parser, so a bad one is a 404, never a 500."""

import re

from flask import abort, request
from werkzeug.routing import IntegerConverter

# Ids are INTEGER columns: 64 bits in SQLite but 32 in PostgreSQL, so the smaller bound is
# the one every database holds (a larger value there is an error, not "no such row").
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


class IdConverter(IntegerConverter):
    """`<id:name>` in a route: 1 to MAX_ID, ASCII digits only; anything else is a 404."""

    regex = r"[0-9]+"  # werkzeug's \d+ also matches other scripts' digits

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def parse_id(raw: str | None) -> int | None:
    """The id `raw` names, or None if it names none."""
    if raw is None or not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= MAX_ID:
        return None
    return int(raw)


def optional_id(name: str) -> int | None:
    """An id from the query string: None when absent, a 404 when it is not a valid id."""
    raw = request.args.get(name)
    if raw is not None and parse_id(raw) is None:
        abort(404, description="That page of the list does not exist.")
    return parse_id(raw)
