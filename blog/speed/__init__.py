"""The speed layer: what answers before Flask (pages.EarlyAnswers), the version-keyed page
cache (pages), the prepared statements of the hot paths (hot_sql) and the bounded map they
keep things in (lru). `install` is its entry point; nothing here imports a view."""

from .pages import install

__all__ = ["install"]
