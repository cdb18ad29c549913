"""An admin changes the registration mode (shortener.accounts.registration_modes), and the
audit log says who changed it from what to what, when and why: both in one transaction.

Here, not in accounts: accounts sits below moderation and must not import it.
"""

from ..accounts import registration_modes
from ..accounts.models import User
from ..extensions import db
from . import audit

ACTION = "registration.mode"


def set_mode(admin: User, mode: str, reason: str = "") -> bool:
    """Store ``mode`` as ``admin``'s choice with its audit entry; commit. Returns whether it
    changed anything (no change, no entry). UnknownMode or ModerationError (a reason too long)
    before anything is written."""
    why = audit.clean_optional_reason(reason)
    before = registration_modes.current()
    change = registration_modes.change(mode, admin.id)
    if change is None:
        return False
    audit.record(admin, ACTION, audit.Site(change.id, f"registration: {before} → {mode}"), why)
    db.session.commit()
    return True
