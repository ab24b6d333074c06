"""The one place that decides between an htmx fragment and a full page."""

from flask import Response, request


def wants_fragment(environ) -> bool:
    """An htmx request that wants a fragment (a history restore wants the full page)."""
    return (
        environ.get("HTTP_HX_REQUEST") == "true"
        and environ.get("HTTP_HX_HISTORY_RESTORE_REQUEST") != "true"
    )


def is_htmx() -> bool:
    return wants_fragment(request.environ)


def add_vary(response: Response) -> Response:
    """Every HTML answer may differ by HX-Request, so caches must key on it."""
    if response.mimetype == "text/html":
        # (getlist: werkzeug's get raises and catches an exception for a missing header)
        vary = ", ".join(response.headers.getlist("Vary"))
        if not vary:
            response.headers["Vary"] = "HX-Request"
        elif "hx-request" not in vary.lower().replace(" ", "").split(","):
            response.headers["Vary"] = f"{vary}, HX-Request"
    return response
