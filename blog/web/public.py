"""Answers that are the same for every reader and cheap to build (feeds, search, tags)."""

from flask import Response, request

from ..speed.pages import PUBLIC


def public_answer(body: str, mimetype: str = "text/html") -> Response:
    """Public, revalidated, with an ETag of the bytes: 304 when they have not changed."""
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = PUBLIC
    response.add_etag()
    return response.make_conditional(request)
