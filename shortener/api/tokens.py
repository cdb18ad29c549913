"""Personal API tokens: create, list, revoke, authenticate. Knows nothing about HTTP.

A token is ``shr_`` + 43 URL-safe characters (32 random bytes). The prefix makes a leaked token
easy to recognise (secret scanners, logs); the database keeps only its SHA-256, so a leaked table
authenticates nobody. The owner sees the token once, when it is created.
"""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from ..accounts.models import User
from ..extensions import db
from ..timeutil import utcnow
from .models import ApiToken

PREFIX = "shr_"
TOKEN_BYTES = 32
TOKEN_RE = re.compile(r"shr_[A-Za-z0-9_-]{43}")
NAME_MAX_LENGTH = 100
# last_used_at is "about when", not an audit log: one write a minute per token at most.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenError(ValueError):
    """The token name breaks a rule; the message says why, for the user."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(owner_id: int, name: str, now: datetime | None = None) -> tuple[ApiToken, str]:
    """Store a new token of ``owner_id``; return its row and the token itself (shown once).

    Raises TokenError for a bad name, or when the owner has API_TOKENS_MAX live tokens already
    (each has a request budget of its own: unbounded tokens would be an unbounded budget).
    """
    name = _clean_name(name)
    _check_bound(owner_id)
    token = PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken(owner_id=owner_id, name=name, token_hash=hash_token(token), created_at=now or utcnow())
    db.session.add(row)
    db.session.commit()
    return row, token


def _check_bound(owner_id: int) -> None:
    bound = current_app.config["API_TOKENS_MAX"]
    live = db.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.owner_id == owner_id, ApiToken.revoked_at.is_(None)))
    if live >= bound:
        raise TokenError(f"You can have at most {bound} API tokens: revoke one you no longer use, "
                         "then create this one.")


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise TokenError("Give the token a name, e.g. the script that will use it.")
    if len(name) > NAME_MAX_LENGTH or not name.isprintable():
        raise TokenError(f"Use at most {NAME_MAX_LENGTH} printable characters.")
    return name


def list_tokens(owner_id: int) -> list[ApiToken]:
    """The owner's tokens that still work, newest first."""
    return list(db.session.scalars(
        select(ApiToken)
        .where(ApiToken.owner_id == owner_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_token(owner_id: int, token_id: int, now: datetime | None = None) -> bool:
    """Revoke one of the owner's tokens; False if they have no such live token."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.owner_id == owner_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    db.session.commit()
    return result.rowcount == 1


def revoke_all(owner_id: int, now: datetime | None = None, commit: bool = True) -> int:
    """Revoke every live token of the owner (a password reset, or a change that asks); return how many."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.owner_id == owner_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    if commit:
        db.session.commit()
    return result.rowcount


def authenticate(token: str, now: datetime | None = None) -> ApiToken | None:
    """The live token row for ``token``, its use recorded; None for an unknown or revoked one."""
    if not TOKEN_RE.fullmatch(token):
        return None  # garbage never reaches the database
    row = db.session.scalar(
        select(ApiToken).join(User, User.id == ApiToken.owner_id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None),
               User.disabled_at.is_(None))  # an admin disabled the owner: the token works no more
    )
    if row is not None:
        _record_use(row, now or utcnow())
    return row


def _record_use(row: ApiToken, now: datetime) -> None:
    if row.last_used_at is not None and now - row.last_used_at < LAST_USED_PRECISION:
        return
    row.last_used_at = now
    db.session.commit()
