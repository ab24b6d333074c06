"""The one place that decides between an htmx fragment and a full page."""

from flask import Response, request


def is_htmx() -> bool:
    """An htmx request that wants a fragment (a history restore wants the full page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def add_vary(response: Response) -> Response:
    """Every HTML answer may differ by HX-Request, so caches must key on it."""
    if response.mimetype == "text/html":
        response.vary.add("HX-Request")
    return response
