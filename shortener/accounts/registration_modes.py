"""Who may create an account: the registration mode. Knows nothing about HTTP.

``REGISTRATION`` is the default; an admin's choice (/admin/registration) is stored, and the
newest one wins, so closing sign-ups during a spam wave needs no restart.

- ``open``: anyone; the account exists at once and its address is not verified yet.
- ``verified``: anyone; the account exists only once the link mailed to its address is opened.
- ``invite``: as ``verified``, with an invite code (shortener.accounts.invites).
- ``closed``: nobody; existing accounts log in as before.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..timeutil import utcnow
from .models import RegistrationModeChange, User

OPEN, VERIFIED, INVITE, CLOSED = "open", "verified", "invite", "closed"
MODES = (OPEN, VERIFIED, INVITE, CLOSED)
HISTORY_LENGTH = 10


class UnknownMode(ValueError):
    """Not one of MODES."""


@dataclass(frozen=True)
class ModeChange:
    mode: str
    changed_at: datetime
    changed_by: str | None  # the admin's username, None once the account is gone


def current() -> str:
    """The mode in force: the newest admin's choice, else REGISTRATION."""
    stored = db.session.scalar(select(RegistrationModeChange.mode)
                               .order_by(RegistrationModeChange.id.desc()).limit(1))
    return stored if stored in MODES else current_app.config["REGISTRATION"]


def is_default() -> bool:
    """Whether no admin ever chose a mode (REGISTRATION applies)."""
    return db.session.scalar(select(RegistrationModeChange.id).limit(1)) is None


def set_mode(mode: str, admin_id: int | None, now: datetime | None = None) -> bool:
    """Store ``mode`` as ``admin_id``'s choice; commit. Returns whether it changed anything."""
    changed = change(mode, admin_id, now) is not None
    if changed:
        db.session.commit()
    return changed


def change(mode: str, admin_id: int | None,
           now: datetime | None = None) -> RegistrationModeChange | None:
    """Add (not commit) ``mode`` as ``admin_id``'s choice, flushed so it has its id; None if it
    is the mode in force already. The caller commits, with what else the change writes (the
    admin's audit entry, shortener.moderation.registration)."""
    if mode not in MODES:
        raise UnknownMode(f"The registration mode must be one of {', '.join(MODES)}.")
    if mode == current():
        return None
    row = RegistrationModeChange(mode=mode, changed_by_id=admin_id, changed_at=now or utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def history(limit: int = HISTORY_LENGTH) -> list[ModeChange]:
    """The newest changes first, with who made them."""
    rows = db.session.execute(
        select(RegistrationModeChange.mode, RegistrationModeChange.changed_at, User.username)
        .outerjoin(User, User.id == RegistrationModeChange.changed_by_id)
        .order_by(RegistrationModeChange.id.desc()).limit(limit))
    return [ModeChange(*row) for row in rows]
