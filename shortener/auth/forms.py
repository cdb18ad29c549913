"""Forms of the auth pages. The account rules themselves live in shortener.users.users."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    ValidationError,
)

from ..accounts import invites, users

EMAIL_MAX_LENGTH = 254  # the users.email column, and RFC 5321's limit


def _clean(value):
    return value.strip() if isinstance(value, str) else value


def _clean_lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def no_control_characters(_form, field) -> None:
    # PostgreSQL refuses NUL in text, and no name or address has control characters.
    if field.data and any(ord(char) < 32 or ord(char) == 127 for char in field.data):
        raise ValidationError("That contains characters that are not allowed.")


def username_rules(_form, field) -> None:
    problem = users.username_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def password_rules(form, field) -> None:
    # On the reset form the account is only known later: users.set_password checks the names.
    username, email = getattr(form, "username", None), getattr(form, "email", None)
    problem = users.password_problem(field.data or "", username and username.data,
                                     email and email.data)
    if problem:
        raise ValidationError(problem)


def _email_field(label: str = "Email") -> StringField:
    return StringField(
        label,
        filters=[_clean_lower],
        validators=[DataRequired(), Length(max=EMAIL_MAX_LENGTH), no_control_characters, Email()],
        render_kw={"type": "email", "autocomplete": "email", "spellcheck": "false"},
    )


def new_password_fields(label: str = "Password",
                        repeat_label: str = "Repeat password") -> tuple[PasswordField, PasswordField]:
    """A new password and its repetition, with the account's rules (also the settings page's)."""
    password = PasswordField(
        label,
        validators=[InputRequired(), password_rules],
        description=f"At least {users.PASSWORD_MIN_LENGTH} characters, not a common password "
        "or your username or email. Spaces are fine: a few words make a good one.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        repeat_label,
        validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class RegisterForm(FlaskForm):
    username = StringField(
        "Username",
        filters=[_clean_lower],
        validators=[DataRequired(), username_rules],
        description="3 to 32 characters: lowercase letters, digits, '_' or '-'. "
        "It appears in your short links.",
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    email = _email_field()
    password, confirm = new_password_fields()
    # Only in the invite registration mode (the view drops it otherwise); the domain checks it.
    invite_code = StringField(
        "Invite code", filters=[_clean], validators=[Length(max=invites.CODE_MAX_LENGTH)],
        description="The code someone with an account on this site gave you.",
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )


class LoginForm(FlaskForm):
    login = StringField(
        "Username or email",
        filters=[_clean],
        validators=[DataRequired(), Length(max=EMAIL_MAX_LENGTH), no_control_characters],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired(), Length(max=users.PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me logged in on this device")


class ConfirmRegistrationForm(FlaskForm):
    """No fields: the CSRF token of the button that creates the account."""


class VerifyEmailForm(FlaskForm):
    """No fields: the CSRF token of the button that verifies the address (or resends its link)."""


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields()
