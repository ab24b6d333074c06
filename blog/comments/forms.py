"""The comment form and the validators behind its messages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..mail.addresses import NOT_MAILABLE, mailable
from ..web.text import clean_line, clean_text, has_letter_or_digit, has_visible_text
from .antispam import FORM_MAX_AGE, form_age, form_started_token


def web_address(_form, field) -> None:
    """Only absolute http(s) addresses with a host: no javascript:, data: and the like."""
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValidationError("Enter a web address starting with http:// or https://.")


def shows(test, message: str):
    """A validator: the field, when filled in, must show something by `test`."""

    def check(_form, field) -> None:
        if field.data and not test(field.data):
            raise ValidationError(message)

    return check


def email_field(*more_checks) -> EmailField:
    """A reader's email address: the same rules on the comment form and the follow form."""
    return EmailField(
        "Email",
        filters=[clean_line],
        validators=[
            DataRequired("Please enter your email address."),
            Length(max=254, message="Your email address can be at most 254 characters."),
            Email("Please enter a valid email address, like name@example.com."),
            *more_checks,
        ],
        render_kw={"autocomplete": "email", "maxlength": 254},
    )


def comment_text_field() -> TextAreaField:
    """A comment's words: the same rules when it is written and when it is edited."""
    return TextAreaField(
        "Comment",
        filters=[lambda v: clean_text(v).strip() if v is not None else None],
        validators=[
            DataRequired("Please write a comment."),
            Length(min=2, max=5000, message="Your comment must be between 2 and 5,000 characters."),
            shows(has_visible_text, "Please write a comment: this one shows no text."),
        ],
        render_kw={"rows": 7, "maxlength": 5000},
    )


class CommentForm(FlaskForm):
    """Fields are prefixed ("comment-name", ...) so their ids are unique on the page.

    No CSRF token: the form is part of pages shared by every reader, so it is protected
    by the origin check instead (web/origin.py)."""

    class Meta:
        csrf = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "comment")
        super().__init__(*args, **kwargs)
        self.id_prefix = kwargs["prefix"]  # "comment", or "reply-<id>" for a reply form

    name = StringField(
        "Name",
        filters=[clean_line],
        validators=[
            DataRequired("Please enter your name."),
            Length(max=80, message="Your name can be at most 80 characters."),
            shows(has_letter_or_digit, "Your name needs at least one letter or digit."),
        ],
        render_kw={"autocomplete": "name", "maxlength": 80},
    )
    email = email_field()
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
    body = comment_text_field()
    # Replies to this comment by email, once the address is confirmed (see mail/).
    notify = BooleanField("Email me when someone replies")
    # When the form was shown, signed (see antispam.time_trap_message).
    started = HiddenField()
    # "Preview" instead of "Post Comment": shows the comment, stores nothing.
    preview = SubmitField("Preview")

    def validate_notify(self, field) -> None:
        if field.data and not self.email.errors and mailable(self.email.data) is None:
            raise ValidationError(NOT_MAILABLE)

    def stamp(self, article_id: int) -> CommentForm:
        """Give the form a fresh start time unless it carries a valid, recent one."""
        age = form_age(self.started.data, article_id)
        if age is None or age > FORM_MAX_AGE:
            self.started.data = form_started_token(article_id)
        return self


class EditForm(FlaskForm):
    """A commenter's (or the owner's) new words for a comment. Public pages carry no
    token: protected by the origin check, like the comment form."""

    class Meta:
        csrf = False

    body = comment_text_field()
