"""Cross-site request forgery protection without tokens, for every unsafe request.

The decision follows Go 1.25's net/http CrossOriginProtection (and the Fetch Metadata
section of OWASP's CSRF cheat sheet): modern browsers say where a request comes from in
`Sec-Fetch-Site`, older ones in `Origin`, and a request with neither did not come from a
browser page, so it carries no reader's cookies and forges nothing.

| method  | Sec-Fetch-Site          | Origin                       | answer |
| ------- | ----------------------- | ---------------------------- | ------ |
| safe    | any                     | any                          | allow  |
| unsafe  | same-origin or none     | any                          | allow  |
| unsafe  | cross-site or same-site | a trusted extra origin       | allow  |
| unsafe  | cross-site or same-site | anything else, or none       | refuse |
| unsafe  | absent                  | the site's or a trusted one  | allow  |
| unsafe  | absent                  | another (also "null")        | refuse |
| unsafe  | absent                  | absent                       | allow  |

The admin's forms carry Flask-WTF's tokens as well.
"""

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import abort, current_app, request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REFUSAL = (
    "This form must be sent from {site} itself. Nothing was saved. "
    "Please go back to the page, reload it and send the form again."
)


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower-cased, default ports dropped, as browsers send
    it in `Origin`."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    host = host.encode("idna").decode("ascii") if host else host  # browsers send punycode
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


def allowed(
    method: str, fetch_site: str | None, origin: str | None, site: str, trusted: Iterable[str]
) -> bool:
    """The table above: `site` is the site's own origin, `trusted` the configured extras
    (as in Go, a cross-site request is let through only for an origin added explicitly)."""
    if method.upper() in SAFE_METHODS:
        return True
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none") or origin in trusted
    return origin is None or origin == site or origin in trusted


# Endpoints whose requests carry their own permission in the address (a signed link) and
# hold no reader's cookie, so that a request from another site forges nothing: RFC 8058's
# one-click unsubscribe is sent by mail clients, some from their web pages.
SIGNED_LINK_ENDPOINTS = frozenset({"mail.unsubscribe"})


def refuse_cross_origin() -> None:
    """Before every request: stop an unsafe one sent from another site's page."""
    config, environ = current_app.config, request.environ  # (read once: a post is hot)
    if allowed(
        environ["REQUEST_METHOD"],
        environ.get("HTTP_SEC_FETCH_SITE"),
        environ.get("HTTP_ORIGIN"),
        config["SITE_ORIGIN"],
        config["TRUSTED_ORIGIN_SET"],
    ):
        return
    if request.endpoint not in SIGNED_LINK_ENDPOINTS:
        abort(403, description=REFUSAL.format(site=config["SITE_NAME"]))
