from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, StringField, URLField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from .service import InvalidLink, check_new_expiry, check_title
from .slugs import SlugError, validate_slug
from .urls import MAX_URL_LENGTH, InvalidTargetURL, validate_target_url


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _none_if_empty(value):
    return value or None


class LinkForm(FlaskForm):
    """Fields shared by create and edit. ``own_hosts`` are the hosts a target must not use."""

    target_url = URLField(
        "Destination",
        validators=[InputRequired("Enter the address to shorten.")],
        filters=[_strip],
        render_kw={"placeholder": "https://example.com/a/long/page", "maxlength": MAX_URL_LENGTH},
    )
    title = StringField(
        "Title",
        validators=[Optional(), Length(max=200)],
        filters=[_strip, _none_if_empty],
        description="Optional; only you see it.",
    )
    expires_at = DateTimeLocalField(
        "Expires (UTC)",
        validators=[Optional()],
        # The "T" form first: it is the one <input type=datetime-local> shows.
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        description="Optional. After this moment the short link answers 404.",
    )

    def __init__(self, *args, own_hosts=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.own_hosts = own_hosts

    def validate_target_url(self, field):
        try:
            field.data = validate_target_url(field.data, self.own_hosts)
        except InvalidTargetURL as exc:
            raise ValidationError(str(exc)) from exc

    def validate_title(self, field):
        try:
            check_title(field.data)
        except InvalidLink as exc:
            raise ValidationError(str(exc)) from exc


class CreateLinkForm(LinkForm):
    slug = StringField(
        "Short name",
        validators=[Optional()],
        filters=[_strip],
        description="Letters, digits, '-' and '_'. Leave empty for a random one.",
        render_kw={"maxlength": 64, "autocapitalize": "off", "spellcheck": "false"},
    )

    def validate_slug(self, field):
        try:
            validate_slug(field.data)
        except SlugError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_expires_at(self, field):
        try:
            check_new_expiry(field.data)
        except InvalidLink as exc:
            raise ValidationError(str(exc)) from exc


class EditLinkForm(LinkForm):
    is_active = BooleanField("Active", description="Inactive links answer 404.")


class DeleteLinkForm(FlaskForm):
    """No fields: it carries the CSRF token of the confirmation."""
