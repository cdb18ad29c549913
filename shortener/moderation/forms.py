"""The admin actions' forms: every action asks why (it goes in the audit log); a change of
the registration mode lets the admin say why."""

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ..accounts.registration_modes import MODES
from .audit import REASON_MAX_LENGTH

MODE_LABELS = {
    "open": "anyone; the account works at once, its address is confirmed later",
    "verified": "anyone; the account is made once the link mailed to its address is opened",
    "invite": "as verified, with an invite code from an admin or a user with invites",
    "closed": "no new accounts; existing ones log in as before",
}


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Reason", description="Required. Kept in the audit log with your name and the time.",
        validators=[DataRequired("Give a reason: it goes in the audit log."),
                    Length(max=REASON_MAX_LENGTH,
                           message=f"Keep the reason to {REASON_MAX_LENGTH} characters.")],
        render_kw={"maxlength": REASON_MAX_LENGTH, "rows": 3},
    )


class RegistrationModeForm(FlaskForm):
    mode = RadioField("Who may sign up", choices=[SelectChoice(mode, MODE_LABELS[mode]) for mode in MODES],
                      validators=[InputRequired()])
    # Optional, unlike a moderation action's; kept in the audit log with the change.
    reason = TextAreaField(
        "Reason (optional)", description="Kept in the audit log with your name and the time.",
        validators=[Length(max=REASON_MAX_LENGTH,
                           message=f"Keep the reason to {REASON_MAX_LENGTH} characters.")],
        render_kw={"maxlength": REASON_MAX_LENGTH, "rows": 2},
    )
