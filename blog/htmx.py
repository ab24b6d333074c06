"""The one place that decides between an htmx fragment and a full page."""

from flask import Response, render_template, request


def is_htmx() -> bool:
    """An htmx request that wants a fragment (a history restore wants the full page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, fragment: str, status: int = 200, **context) -> tuple[str, int]:
    """Render the fragment for htmx, else the full page that includes the same fragment."""
    return render_template(fragment if is_htmx() else page, **context), status


def add_vary(response: Response) -> Response:
    """Every HTML answer may differ by HX-Request, so caches must key on it."""
    if response.mimetype == "text/html":
        response.vary.add("HX-Request")
    return response
