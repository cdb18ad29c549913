"""Forms of the status page's actions: each is a CSRF-protected POST."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf

from ..background.queues import QUEUE_NAMES


class ActionForm(FlaskForm):
    """An action button: nothing but the CSRF token."""


class RequeueFailedForm(FlaskForm):
    queue = HiddenField(validators=[AnyOf(QUEUE_NAMES)])
