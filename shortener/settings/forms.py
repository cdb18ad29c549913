from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from ..api.tokens import NAME_MAX_LENGTH
from ..auth.forms import new_password_fields


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
    # users.set_password checks the new password again, with the username and email.
    current_password = PasswordField(
        "Current password", validators=[InputRequired("Type your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = new_password_fields("New password", "Repeat the new password")
    # Ticked on the page; a POST without it keeps the tokens (an unticked box sends nothing).
    revoke_api_tokens = BooleanField("Also revoke every API token", default=True,
                                     description="Scripts using them get 401 until you give "
                                     "them a new token. Untick if only you knew the old password.")


class CreateInviteForm(FlaskForm):
    """No fields: the CSRF token of the button that creates an invite code."""
