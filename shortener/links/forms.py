from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from . import rules
from . import tags as tagging
from .rules import DEFAULT_REDIRECT_CODE, LinkOptions, LinkRuleError


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _none_if_empty(value):
    return value or None


def _checked(rule, *args):
    """``rule``'s value, its LinkRuleError as this field's error."""
    try:
        return rule(*args)
    except LinkRuleError as exc:
        raise ValidationError(str(exc)) from exc


def add_problems(form: FlaskForm, error: LinkRuleError) -> None:
    """Every problem of a domain error under the field it names."""
    for problem in error.problems:
        getattr(form, problem.field).errors.append(str(problem))


class TagsField(StringField):
    """A link's tags typed as a comma-separated list; its data is the list of names."""

    def process_formdata(self, valuelist):
        self.data = tagging.split_tags(valuelist[0]) if valuelist else []

    def process_data(self, value):
        # From a link (obj=link): its Tag rows; from a default: names.
        self.data = [getattr(tag, "name", tag) for tag in value or ()]

    def _value(self):
        return ", ".join(self.data or ())


class LinkForm(FlaskForm):
    """Fields shared by create and edit. ``own_hosts`` are the hosts a target must not use."""

    target_url = URLField(
        "Destination",
        validators=[InputRequired("Enter the address to shorten.")],
        filters=[_strip],
        render_kw={"placeholder": "https://example.com/a/long/page", "maxlength": rules.TARGET_MAX_LENGTH},
    )
    title = StringField(
        "Title",
        validators=[Optional(), Length(max=rules.TITLE_MAX_LENGTH)],
        filters=[_strip, _none_if_empty],
        description="Optional; only you see it.",
    )
    tags = TagsField(
        "Tags",
        description=f"Optional, separated by commas (at most {tagging.TAGS_PER_LINK_MAX}): letters, digits, "
                    "'-', '_' or '.'. Filter your links by them on the dashboard.",
        render_kw={"placeholder": "work, newsletter", "autocapitalize": "off", "spellcheck": "false"},
    )
    expires_at = DateTimeLocalField(
        "Expires (UTC)",
        validators=[Optional()],
        # The "T" form first: it is the one <input type=datetime-local> shows.
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        description="Optional. After this moment the short link answers 404.",
    )
    starts_at = DateTimeLocalField(
        "Valid from (UTC)",
        validators=[Optional()],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        description="Optional. Before this moment the short link answers 404, as if it did not exist.",
    )
    click_limit = IntegerField(
        "Click limit",
        validators=[Optional()],
        render_kw={"min": 1, "inputmode": "numeric"},
        description="Optional. After this many human clicks (bots are not counted) the link answers "
                    "410, to the exact click.",
    )
    password = PasswordField(
        "Password",
        validators=[Optional()],
        render_kw={"autocomplete": "new-password"},
        description="Optional. Visitors must enter it before they are sent on; a right password is "
                    "remembered in their browser for a while.",
    )
    redirect_code = SelectField(
        "Redirect type",
        choices=[SelectChoice(302, "302 Found (default)"), SelectChoice(301, "301 Moved Permanently"),
                 SelectChoice(307, "307 Temporary Redirect"), SelectChoice(308, "308 Permanent Redirect")],
        coerce=int,
        default=DEFAULT_REDIRECT_CODE,
        description="Browsers cache a 301 or 308: their repeat visits skip this site, so they are not "
                    "counted, and later changes, limits or expiry do not reach them.",
    )
    forward_query = BooleanField(
        "Forward the query",
        description="Append what follows '?' in the short URL (e.g. ?utm_source=news) to the destination.",
    )

    public_stats = BooleanField(
        "Public stats page",
        description="Anyone with the short URL followed by /+stats sees its click totals, chart and "
                    "breakdowns (never single clicks).",
    )

    def __init__(self, *args, own_hosts=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.own_hosts = own_hosts

    # Every rule is the domain's (links.rules); the options' are checked once, by the service,
    # and the view puts its LinkRuleError under the fields (add_problems).
    def validate_target_url(self, field):
        field.data = _checked(rules.check_target, field.data, self.own_hosts)

    def validate_title(self, field):
        _checked(rules.check_title, field.data)

    def validate_tags(self, field):
        field.data = _checked(tagging.check_tags, field.data)

    def options(self) -> LinkOptions:
        return LinkOptions(
            starts_at=self.starts_at.data,
            click_limit=self.click_limit.data,
            redirect_code=self.redirect_code.data,
            forward_query=self.forward_query.data,
            public_stats=self.public_stats.data,
            password=self.password.data or None,
            remove_password=self._removes_password(),
        )

    def _removes_password(self) -> bool:
        return False


class CreateLinkForm(LinkForm):
    slug = StringField(
        "Short name",
        validators=[Optional()],
        filters=[_strip],
        description="Letters, digits, '-' and '_'. Leave empty for a random one.",
        render_kw={"maxlength": rules.SLUG_MAX_LENGTH, "autocapitalize": "off", "spellcheck": "false"},
    )

    def validate_slug(self, field):
        _checked(rules.check_slug, field.data)

    def validate_expires_at(self, field):
        _checked(rules.check_new_expiry, field.data)


class EditLinkForm(LinkForm):
    is_active = BooleanField("Active", description="Inactive links answer 404.")
    remove_password = BooleanField("Remove the password", description="Anyone with the link may visit.")

    def __init__(self, *args, link=None, **kwargs):
        super().__init__(*args, obj=link, **kwargs)
        if link is not None and link.password_hash:
            self.password.description = "Protected. Leave empty to keep the current password."

    def _removes_password(self) -> bool:
        return self.remove_password.data


class DeleteLinkForm(FlaskForm):
    """No fields: it carries the CSRF token of the confirmation."""


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a CSV file."), FileAllowed(["csv", "txt"], "Choose a .csv file.")],
        description="A header row, then one link per row: target (required), slug, title, expiry "
                    "(e.g. 2030-12-31 23:59, UTC) and the options (starts_at, click_limit, redirect_code, "
                    "forward_query, active) and tags (separated by commas). This site's own export, and "
                    "those of Kutt and YOURLS, work as they are.",
        render_kw={"accept": ".csv,text/csv"},
    )
