from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from ..links import bulk
from ..links.rules import LinkRuleError


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BulkForm(FlaskForm):
    """An action on the links selected on the dashboard (their ids: the ``link_id`` values, read by
    the view). The dashboard sends the action; its confirmation page the rest, with ``confirmed``."""

    action = SelectField("With the selected links", choices=[
        SelectChoice("", "With the selected…"),
        *(SelectChoice(name, label) for name, label in bulk.ACTIONS.items())])
    tag = StringField("Tag", filters=[_strip],
                      render_kw={"autocapitalize": "off", "spellcheck": "false", "list": "tag-suggestions"})
    expires_at = DateTimeLocalField(
        "Expires (UTC)", validators=[Optional()],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        description="Leave empty to take the expiry away. Links that start later keep theirs.")
    confirmed = HiddenField()

    def validate_action(self, field):
        self._check("action")

    def validate_tag(self, field):
        field.data = self._check("tag")

    def validate_expires_at(self, field):
        self._check("expires_at")

    def _check(self, name: str):
        """The domain's rules of the action (links.bulk.check), their error under ``name`` only."""
        try:
            return bulk.check(self.action.data, self.tag.data, self.expires_at.data)
        except LinkRuleError as exc:
            if exc.field == name:
                raise ValidationError(str(exc)) from exc
        return self.tag.data

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed.data == "yes"
