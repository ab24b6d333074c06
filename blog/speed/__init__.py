"""The speed layer: what answers before Flask, the version-keyed page cache, and the
prepared statements of the hot paths. `install(app, stamp)` is its one entry point;
views use `shared_page`, `shared_parts` and `fill`; nothing here imports a view."""

from .pages import (
    STAMP_SLOT,
    Version,
    fill,
    install,
    public_headers,
    request_version,
    shared_page,
    shared_parts,
)

__all__ = [
    "STAMP_SLOT",
    "Version",
    "fill",
    "install",
    "public_headers",
    "request_version",
    "shared_page",
    "shared_parts",
]
