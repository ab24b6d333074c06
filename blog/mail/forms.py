"""The public forms of email: following an article, and the buttons on the pages that
signed links open. Public pages carry no token: the origin check protects them."""

from flask_wtf import FlaskForm
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from ..web.text import clean_line
from .addresses import NOT_MAILABLE, mailable


def mailable_address(_form, field) -> None:
    if field.data and mailable(field.data) is None:
        raise ValidationError(NOT_MAILABLE)


class FollowForm(FlaskForm):
    class Meta:
        csrf = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "follow")
        super().__init__(*args, **kwargs)

    email = EmailField(
        "Email",
        filters=[clean_line],
        validators=[
            DataRequired("Please enter your email address."),
            Length(max=254, message="Your email address can be at most 254 characters."),
            Email("Please enter a valid email address, like name@example.com."),
            mailable_address,
        ],
        render_kw={"autocomplete": "email", "maxlength": 254},
    )


class ConfirmForm(FlaskForm):
    class Meta:
        csrf = False

    confirm = SubmitField("Yes, email me")


class UnsubscribeForm(FlaskForm):
    class Meta:
        csrf = False

    these = SubmitField("Stop these emails")
    everything = SubmitField("Stop all email to this address")


class ModerateForm(FlaskForm):
    class Meta:
        csrf = False

    go = SubmitField()
