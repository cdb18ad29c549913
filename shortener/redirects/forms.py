from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import InputRequired, Length

from ..accounts.users import PASSWORD_MAX_LENGTH


class LinkPasswordForm(FlaskForm):
    """The password of a protected link; posted to the short URL itself, never put in a URL."""

    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter the link's password."), Length(max=PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "off"},
    )
