"""Flask-WTF forms and the validators behind their messages."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from .antispam import FORM_MAX_AGE, form_age, form_started_token
from .sessions import page_csrf_token

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


def web_address(_form, field) -> None:
    """Only absolute http(s) addresses with a host: no javascript:, data: and the like."""
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValidationError("Enter a web address starting with http:// or https://.")


class CommentForm(FlaskForm):
    """Fields are prefixed ("comment-name", ...) so their ids are unique on the page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "comment")
        page_csrf_token()  # this reader's token, signed once in a while, not per form
        super().__init__(*args, **kwargs)

    name = StringField(
        "Name",
        filters=[clean_line],
        validators=[
            DataRequired("Please enter your name."),
            Length(max=80, message="Your name can be at most 80 characters."),
        ],
        render_kw={"autocomplete": "name", "maxlength": 80},
    )
    email = EmailField(
        "Email",
        filters=[clean_line],
        validators=[
            DataRequired("Please enter your email address."),
            Length(max=254, message="Your email address can be at most 254 characters."),
            Email("Please enter a valid email address, like name@example.com."),
        ],
        render_kw={"autocomplete": "email", "maxlength": 254},
    )
    website = URLField(
        "Website",
        filters=[clean_line],
        validators=[
            Optional(),
            Length(max=200, message="Your web address can be at most 200 characters."),
            web_address,
        ],
        render_kw={"autocomplete": "url", "maxlength": 200},
    )
    body = TextAreaField(
        "Comment",
        filters=[lambda v: clean_text(v).strip() if v is not None else None],
        validators=[
            DataRequired("Please write a comment."),
            Length(min=2, max=5000, message="Your comment must be between 2 and 5,000 characters."),
        ],
        render_kw={"rows": 7, "maxlength": 5000},
    )
    # When the form was shown, signed (see antispam.time_trap_message).
    started = HiddenField()

    def stamp(self, article_id: int) -> CommentForm:
        """Give the form a fresh start time unless it carries a valid, recent one."""
        age = form_age(self.started.data, article_id)
        if age is None or age > FORM_MAX_AGE:
            self.started.data = form_started_token(article_id)
        return self


class ConsentForm(FlaskForm):
    """Only the CSRF token: dismissing the cookie notice is a POST like any other."""


class LoginForm(FlaskForm):
    username = StringField(
        "Username",
        filters=[clean_line],
        validators=[DataRequired("Please enter your username.")],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Please enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )


class WordListForm(FlaskForm):
    hold = TextAreaField("Hold for moderation", filters=[clean_text], render_kw={"rows": 8})
    block = TextAreaField("Send to spam", filters=[clean_text], render_kw={"rows": 8})


class ActionForm(FlaskForm):
    """Only the CSRF token: moderation buttons carry their action in the URL."""
