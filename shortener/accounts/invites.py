"""Invite codes for the ``invite`` registration mode: created by admins (any number) and by
trusted users with an allowance (INVITES_PER_USER), single-use, valid INVITE_TTL_DAYS. Knows
nothing about HTTP.

A code is shown once to its creator; the database keeps its SHA-256, as for reset links. The
sign-up form checks the code; it is claimed when the account is created (the mailed link is
opened), in the same transaction, so two sign-ups with one code make one account.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import aliased

from ..extensions import db
from ..timeutil import utcnow
from . import trust
from .models import Invite, User

CODE_BYTES = 12  # token_urlsafe(12): 16 characters, 96 bits
CODE_MAX_LENGTH = 64  # what the form accepts; longer is no code of ours


class InviteError(ValueError):
    """This user may not create another invite; the message says why."""


@dataclass(frozen=True)
class InviteRow:
    id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: str | None  # the username of the account it made


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def allowance_left(user: User, now: datetime | None = None) -> int | None:
    """How many more invites ``user`` may create: None for no limit (admins), else 0 or more.
    Used codes count, and so do live ones; expired unused ones are given back."""
    if user.is_admin:
        return None
    allowance = current_app.config["INVITES_PER_USER"]
    if allowance <= 0 or not trust.is_trusted(user, now):
        return 0
    spent = db.session.scalar(select(func.count()).select_from(Invite).where(
        Invite.created_by_id == user.id,
        or_(Invite.used_at.is_not(None), Invite.expires_at > (now or utcnow()))))
    return max(0, allowance - spent)


def may_invite(user: User) -> bool:
    """Whether the invites page is for ``user`` at all (admins, or an allowance is set)."""
    return user.is_admin or current_app.config["INVITES_PER_USER"] > 0


def create(user: User, now: datetime | None = None) -> str:
    """Store a new code of ``user``; commit; return the code (shown once). Raises InviteError."""
    now = now or utcnow()
    left = allowance_left(user, now)
    if left == 0:
        raise InviteError(_why_not(user))
    code = secrets.token_urlsafe(CODE_BYTES)
    days = current_app.config["INVITE_TTL_DAYS"]
    db.session.add(Invite(code_hash=hash_code(code), created_by_id=user.id, created_at=now,
                          expires_at=now + timedelta(days=days)))
    db.session.commit()
    return code


def _why_not(user: User) -> str:
    if current_app.config["INVITES_PER_USER"] <= 0:
        return "Only admins can create invites on this site."
    if not trust.is_trusted(user):
        return "New accounts cannot create invites yet: confirm your address and come back later."
    return "You have handed out all your invites."


def find_usable(code: str, now: datetime | None = None) -> Invite | None:
    """The unused, unexpired invite of ``code``, else None."""
    code = (code or "").strip()
    if not code or len(code) > CODE_MAX_LENGTH:
        return None
    return db.session.scalar(select(Invite).where(
        Invite.code_hash == hash_code(code), Invite.used_at.is_(None),
        Invite.expires_at > (now or utcnow())))


def claim(invite_id: int, user_id: int, now: datetime | None = None) -> bool:
    """Mark the invite used by ``user_id`` (not committed) unless it is used or expired; True if
    this call won it (an UPDATE with the condition: concurrent claims cannot both win)."""
    now = now or utcnow()
    result = db.session.execute(
        update(Invite)
        .where(Invite.id == invite_id, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now, used_by_id=user_id))
    return result.rowcount == 1


def list_created_by(user_id: int) -> list[InviteRow]:
    """``user_id``'s invites, newest first, with the account each one made."""
    used_by = aliased(User)
    rows = db.session.execute(
        select(Invite.id, Invite.created_at, Invite.expires_at, Invite.used_at, used_by.username)
        .outerjoin(used_by, used_by.id == Invite.used_by_id)
        .where(Invite.created_by_id == user_id)
        .order_by(Invite.id.desc()))
    return [InviteRow(*row) for row in rows]
