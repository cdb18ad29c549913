"""Forms of the admin pages' actions: each is a CSRF-protected POST."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from ..background.queues import QUEUE_NAMES
from ..blocklist.models import NOTE_MAX_LENGTH, PATTERN_MAX_LENGTH


class ActionForm(FlaskForm):
    """An action button: nothing but the CSRF token."""


class RequeueFailedForm(FlaskForm):
    queue = HiddenField(validators=[AnyOf(QUEUE_NAMES)])


class BlocklistEntryForm(FlaskForm):
    """A blocklist entry to add; the rules of its text are the domain's (blocklist.entries)."""

    entry = StringField("Domain or URL prefix", validators=[InputRequired(), Length(max=PATTERN_MAX_LENGTH)],
                        description="example.com blocks it and every subdomain; "
                                    "example.com/path blocks the addresses that start so.")
    note = StringField("Note (why; only admins see it)", validators=[Optional(), Length(max=NOTE_MAX_LENGTH)])
