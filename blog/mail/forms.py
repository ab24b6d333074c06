"""The public forms of email: following an article, and the buttons on the pages that
signed links open. Public pages carry no token: the origin check protects them."""

from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import ValidationError

from ..comments.forms import email_field
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

    email = email_field(mailable_address)


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
