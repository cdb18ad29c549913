from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from ..accounts.users import PASSWORD_MAX_LENGTH
from ..moderation.reports import CATEGORIES, DETAILS_MAX_LENGTH


class LinkPasswordForm(FlaskForm):
    """The password of a protected link; posted to the short URL itself, never put in a URL."""

    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter the link's password."), Length(max=PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "off"},
    )


class ReportForm(FlaskForm):
    """A visitor's report of a link: what is wrong, and optionally more words."""

    category = RadioField("What is wrong with this link?",
                          choices=[SelectChoice(key, label) for key, label in CATEGORIES.items()],
                          validators=[InputRequired("Choose what is wrong with the link.")])
    details = TextAreaField(
        "Details", description=f"Optional, up to {DETAILS_MAX_LENGTH} characters. Admins read it.",
        validators=[Optional(), Length(max=DETAILS_MAX_LENGTH,
                                       message=f"Keep the details to {DETAILS_MAX_LENGTH} characters.")],
        render_kw={"maxlength": DETAILS_MAX_LENGTH, "rows": 4},
    )


class ContinueForm(FlaskForm):
    """The quarantine warning's "continue": only its CSRF token, so no other site can click it."""
