"""The admin actions' form: every action asks why (it goes in the audit log)."""

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from .audit import REASON_MAX_LENGTH


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Reason", description="Required. Kept in the audit log with your name and the time.",
        validators=[DataRequired("Give a reason: it goes in the audit log."),
                    Length(max=REASON_MAX_LENGTH,
                           message=f"Keep the reason to {REASON_MAX_LENGTH} characters.")],
        render_kw={"maxlength": REASON_MAX_LENGTH, "rows": 3},
    )
