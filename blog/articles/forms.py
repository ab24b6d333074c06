"""The article form: the editor's, and the checks `flask import-article` shares with it."""

import re
import unicodedata

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..models import SLUG
from ..web.text import clean_line, clean_text, has_letter_or_digit

MAX_TAGS = 10
TAG_LENGTH = 40
# Browsers send "2026-11-27T09:30", some with seconds.
TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class Status:
    DRAFT, SCHEDULED, PUBLISHED = "draft", "scheduled", "published"
    CHOICES = [
        SelectChoice(DRAFT, "Draft: only you can see it"),
        SelectChoice(SCHEDULED, "Scheduled: appears on its own at the publish time"),
        SelectChoice(PUBLISHED, "Published: readers see it now"),
    ]


def slugify(text: str, limit: int = 200) -> str:
    """A readable address from a title: "Café & Tea, 2nd Day" -> "cafe-tea-2nd-day"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def tag_slug(name: str) -> str:
    """A tag's address: "Small Habits" -> "small-habits", "Café" -> "cafe" (accents on
    Latin letters dropped), "Сон" -> "сон", "हिन्दी" kept whole (vowel signs and viramas
    are part of those words); "" when nothing is left."""
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", name):
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue  # an accent on a Latin letter
        word_part = char.isalnum() or unicodedata.category(char).startswith("M")
        kept.append(char if word_part else " ")
    words = unicodedata.normalize("NFC", "".join(kept)).casefold().split()
    return "-".join(words)[:60].strip("-")


def is_tag_slug(text: str) -> bool:
    """Is `text` an address `tag_slug` makes (what /tags/<...> may name)?"""
    return bool(text) and tag_slug(text) == text


def same_tag_name(one: str, other: str) -> bool:
    """Two ways of writing one tag: by case or width only ("javascript", "JavaScript")."""
    fold = lambda text: unicodedata.normalize("NFKC", text).casefold()  # noqa: E731
    return fold(one) == fold(other)


def tag_names(text: str | None) -> list[str]:
    """The tags typed, comma-separated, each once (whatever its case), in the order given."""
    seen, names = set(), []
    for name in (clean_line(part) for part in (text or "").split(",")):
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def tag_problem(names: list[str]) -> str | None:
    """What is wrong with a list of tags, in words, if anything."""
    if len(names) > MAX_TAGS:
        return f"At most {MAX_TAGS} tags, please."
    addresses: dict[str, str] = {}
    for name in names:
        if len(name) > TAG_LENGTH:
            return f"Keep each tag under {TAG_LENGTH} characters."
        if "," in name:  # commas separate tags where people type them
            return f"A tag cannot hold a comma: “{name}”."
        slug = tag_slug(name)
        if not slug:
            return f"The tag “{name}” needs a letter or digit."
        if slug in addresses:
            return (
                f"“{addresses[slug]}” and “{name}” would share one address (/tags/{slug}): "
                "keep one, or rename one."
            )
        addresses[slug] = name
    return None


class _SaysWhatToType:
    """A field whose text must convert (a number, a time): one message in our words."""

    bad_value = ""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.bad_value) from None


class YearField(_SaysWhatToType, IntegerField):
    bad_value = "Enter a year such as 2026."


class LocalTimeField(_SaysWhatToType, DateTimeLocalField):
    bad_value = "Enter a date and time, such as 2026-12-01 09:00."


def _has_words(_form, field) -> None:
    if field.data and not has_letter_or_digit(field.data):
        raise ValidationError("Use at least one letter or digit.")


class ArticleForm(FlaskForm):
    title = StringField(
        "Title",
        filters=[clean_line],
        validators=[
            DataRequired("Please give the article a title."),
            Length(max=300, message="Keep the title under 300 characters."),
            _has_words,
        ],
    )
    slug = StringField(
        "Address (slug)",
        filters=[clean_line],
        validators=[
            Optional(),
            Length(max=200, message="Keep the address under 200 characters."),
            Regexp(
                SLUG,
                message="Use lowercase letters, digits and single hyphens, such as my-first-post.",
            ),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    author = StringField(
        "Author",
        filters=[clean_line],
        validators=[
            DataRequired("Please name the author."),
            Length(max=120, message="Keep the author's name under 120 characters."),
            _has_words,
        ],
    )
    description = TextAreaField(
        "Description",
        filters=[clean_line],
        validators=[Length(max=1000, message="Keep the description under 1,000 characters.")],
        render_kw={"rows": 2},
    )
    body = TextAreaField(
        "Text (Markdown)",
        filters=[clean_text],
        validators=[
            DataRequired("Please write the article's text."),
            Length(max=200_000, message="The text is over 200,000 characters: split it up."),
        ],
        render_kw={"rows": 20, "spellcheck": "true"},
    )
    tags = StringField(
        "Tags",
        filters=[clean_line],
        validators=[Length(max=600, message="Too many tags.")],
    )
    copyright_year = YearField("Copyright year", validators=[Optional()])
    copyright_holder = StringField(
        "Copyright holder",
        filters=[clean_line],
        validators=[Length(max=200, message="Keep the holder's name under 200 characters.")],
    )
    status = RadioField("Status", choices=Status.CHOICES, default=Status.DRAFT)
    publish_at = LocalTimeField("Publish time", format=TIME_FORMATS, validators=[Optional()])
    # The article's edit_version and status when the page was opened (articles/writing.py).
    edit_version = HiddenField()
    shown_status = HiddenField()

    def validate_copyright_year(self, field) -> None:
        if field.data is not None and not 1000 <= field.data <= 9999:
            raise ValidationError(YearField.bad_value)

    def validate_tags(self, field) -> None:
        if problem := tag_problem(tag_names(field.data)):
            raise ValidationError(problem)

    def validate_publish_at(self, field) -> None:
        if field.data is not None and not 1900 <= field.data.year <= 9000:
            raise ValidationError("Pick a year between 1900 and 9000.")
