"""Cleaning what people type: every form's fields pass through these filters."""

import re
import unicodedata

# Control characters (Unicode category Cc) other than newline and tab, and lone
# surrogates (Cs), are never stored. One regex pass, not a test per character.
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value: str | None) -> str | None:
    """NFC-normalize, unify line endings and drop control characters."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return _UNWANTED.sub("", value)


def clean_line(value: str | None) -> str | None:
    """A one-line field: cleaned, tabs and newlines turned to spaces, trimmed."""
    value = clean_text(value)
    if value is None:
        return None
    return " ".join(value.split())
