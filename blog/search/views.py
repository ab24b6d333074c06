"""The search page, /search?q=: the same for everyone who asks for the same words, so it is
public and revalidated like the feeds."""

from flask import Blueprint, render_template, request

from ..web.public import public_answer
from . import queries

bp = Blueprint("search", __name__)


@bp.get("/search")
def find():
    """Published articles matching every word of `q`, best first, with excerpts."""
    query = queries.clean_query(request.args.get("q"))
    hits = queries.search(query, queries.MAX_RESULTS + 1)  # one more: are there others?
    html = render_template(
        "search/results.html",
        query=query,
        has_words=bool(queries.query_words(query)),
        hits=hits[: queries.MAX_RESULTS],
        more=len(hits) > queries.MAX_RESULTS,
        search_query=query,  # fills the search box in the site header
    )
    response = public_answer(html)
    response.vary.add("Cookie")  # the cookie notice shows until it is dismissed
    return response
