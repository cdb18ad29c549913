"""Password reset tokens: issue, check, redeem once, clean up. Knows nothing about HTTP.

The token itself only ever travels in the mail; the database keeps its SHA-256,
so a leaked table cannot be used to reset anyone's password.
"""

import hashlib
import logging
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from limits import parse_many
from sqlalchemy import delete, or_, select, update

from ..extensions import db, limiter
from ..timeutil import utcnow
from . import mail, users
from .models import PasswordResetToken, User

log = logging.getLogger(__name__)

TOKEN_BYTES = 32
# What token_urlsafe(32) produces; anything else is rejected before touching the database.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")


class InvalidToken(ValueError):
    """The token is unknown, expired or already used (we do not say which)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User, now: datetime | None = None) -> str:
    """Store a new token for ``user`` (hashed, valid PASSWORD_RESET_TTL seconds); return it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = now or utcnow()
    ttl = timedelta(seconds=current_app.config["PASSWORD_RESET_TTL"])
    db.session.add(
        PasswordResetToken(user_id=user.id, token_hash=hash_token(token), created_at=now,
                           expires_at=now + ttl)
    )
    db.session.commit()
    return token


def request_reset(email: str) -> bool:
    """Queue the reset job for ``email``, whether or not an account has it (the job looks).

    The request does the same work either way, so its timing tells nothing.
    """
    # The description replaces the job's call in RQ's logs, which would show the address.
    return mail.queue("jobs.email.send_password_reset_for", email.strip().lower(),
                      description="send_password_reset_for(<address>)")


def issue_for(email: str) -> tuple[User, str] | None:
    """(user, new token) if an account has ``email`` and it may get another mail, else None."""
    email = email.strip().lower()
    if not mail_allowed(email, "reset-mail"):
        log.warning("reset mails to one address are over RATELIMIT_RESET_MAIL: not sending")
        return None
    user = db.session.scalar(select(User).where(User.email == email))
    return None if user is None else (user, issue(user))


def mail_allowed(email: str, kind: str) -> bool:
    """Whether ``email`` may get another mail of ``kind`` under RATELIMIT_RESET_MAIL."""
    # However many ask (a botnet can), an address gets only so many mails; the owner
    # still has the recent ones, each valid for PASSWORD_RESET_TTL.
    try:
        strategy = limiter.limiter
        return all(strategy.hit(item, kind, email)
                   for item in parse_many(current_app.config["RATELIMIT_RESET_MAIL"]))
    except Exception:  # noqa: BLE001  a mail is worth more than the cap when Redis fails
        log.warning("reset mail cap not checked: rate limit storage failed", exc_info=True)
        return True


def find_valid(token: str, now: datetime | None = None) -> PasswordResetToken | None:
    """The stored token for ``token`` if it is unused and unexpired, else None."""
    if not TOKEN_RE.fullmatch(token):
        return None
    now = now or utcnow()
    return db.session.scalar(
        select(PasswordResetToken).where(
            PasswordResetToken.token_hash == hash_token(token),
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > now,
        )
    )


def redeem(token: str, new_password: str, commit: bool = True) -> User:
    """Set ``new_password`` with a valid token, once; end the user's sessions and other tokens.

    Raises InvalidToken, or AccountError for a password that breaks the rules. With
    ``commit=False`` the caller commits (to end more credentials in the same transaction).
    """
    now = utcnow()
    stored = find_valid(token, now)
    if stored is None or not _claim(stored.id, now):
        db.session.rollback()
        raise InvalidToken("This reset link is invalid or has expired.")
    user = db.session.get(User, stored.user_id)
    try:
        # Also ends any other link the user was sent; commits with the claim above.
        users.set_password(user, new_password, commit=commit)
    except users.AccountError:
        db.session.rollback()
        raise
    return user


def _claim(token_id: int, now: datetime) -> bool:
    """Mark the token used unless a concurrent request already did; True if we won."""
    result = db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == token_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1


def delete_expired_and_used(now: datetime | None = None) -> int:
    """Delete tokens that can never be redeemed again; commit; return how many."""
    now = now or utcnow()
    result = db.session.execute(
        delete(PasswordResetToken).where(
            or_(PasswordResetToken.expires_at <= now, PasswordResetToken.used_at.is_not(None))
        )
    )
    db.session.commit()
    return result.rowcount
