"""The owner's forms; each carries Flask-WTF's CSRF token (the admin's pages are private)."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired

from ..comments.forms import comment_text_field
from ..web.text import clean_line, clean_text


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


class CommentTextForm(FlaskForm):
    """The owner's words for a comment: an edit, or a reply."""

    body = comment_text_field()
