"""Where a form may send its reader back to: a path on this site, nothing else."""

import re
from urllib.parse import urlsplit

# Browsers drop tabs and newlines anywhere in an address and read "\" as "/", so
# "/\t/evil.example" or "/\\evil.example" would leave the site: refuse any such character.
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site (no scheme, no host), else `default`."""
    if not target or _UNSAFE.search(target) or not target.startswith("/"):
        return default
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc:
        return default
    return target
