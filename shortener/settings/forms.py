from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from ..accounts.users import PASSWORD_MIN_LENGTH
from ..api.tokens import NAME_MAX_LENGTH


class CreateTokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[InputRequired("Give the token a name."), Length(max=NAME_MAX_LENGTH)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description="What will use it, e.g. \"backup script\". Only you see it.",
        render_kw={"maxlength": NAME_MAX_LENGTH, "autocomplete": "off"},
    )


class RevokeTokenForm(FlaskForm):
    """No fields: it carries the CSRF token of the revocation."""


class ChangePasswordForm(FlaskForm):
    # The rules of the new password (length, common, not the username) are the account's own,
    # checked by users.set_password; the form only makes sure all three were typed.
    current_password = PasswordField(
        "Current password", validators=[InputRequired("Type your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        "New password", validators=[InputRequired("Choose a new password.")],
        description=f"At least {PASSWORD_MIN_LENGTH} characters, not a common password "
        "or your username or email. Spaces are fine: a few words make a good one.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
