"""Which accounts are trusted: a proved address and TRUST_AFTER_DAYS of age, or an admin.
Accounts not trusted yet get the smaller link budget (RATELIMIT_LINK_CREATE_NEW) and hand out
no invites. Knows nothing about HTTP."""

from datetime import datetime, timedelta

from flask import current_app

from ..timeutil import utcnow
from .models import User


def is_trusted(user: User, now: datetime | None = None) -> bool:
    if user.is_admin:
        return True
    if user.email_verified_at is None:
        return False
    age = timedelta(days=current_app.config["TRUST_AFTER_DAYS"])
    return user.created_at <= (now or utcnow()) - age
