"""Cleaning what people type: every form's fields pass through these filters."""

import re
import unicodedata

# Control characters (Unicode category Cc) other than newline and tab, lone surrogates
# (Cs) and the byte order mark are never stored. One regex pass, not a test per character.
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff]")
# Bidirectional embeddings, overrides and isolates: in a one-line field (a name) an
# unclosed one would turn the text after it around wherever the name is shown.
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Letters that show nothing (Unicode's Default_Ignorable_Code_Point letters): fillers.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")


def clean_text(value: str | None) -> str | None:
    """NFC-normalize, unify line endings and drop control characters."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return _UNWANTED.sub("", value)


def clean_line(value: str | None) -> str | None:
    """A one-line field: cleaned, without bidirectional controls, tabs and newlines turned
    to spaces, trimmed."""
    value = clean_text(value)
    if value is None:
        return None
    return " ".join(_BIDI_CONTROLS.sub("", value).split())


def has_letter_or_digit(value: str | None) -> bool:
    """Does `value` show at least one letter or digit? (Zero-width characters, blank
    Braille, Hangul fillers and the like show nothing.)"""
    return any(unicodedata.category(c)[0] in "LN" and c not in _BLANK_LETTERS for c in value or "")


def has_visible_text(value: str | None) -> bool:
    """Does `value` show anything: a letter, digit, punctuation mark or symbol?"""
    return any(
        unicodedata.category(c)[0] in "LNPS" and c not in _BLANK_LETTERS and c != "\u2800"
        for c in value or ""
    )
