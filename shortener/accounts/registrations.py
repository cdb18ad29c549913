"""Sign-ups confirmed by email, so that registering tells nobody whether an address has an
account. Knows nothing about HTTP.

The form's request checks what is public anyway (the username's rules, and whether the name is
taken: usernames are in every short URL) and always does the same work: it stores a pending
registration (the password already hashed) and queues one mail job. The job looks the address
up: its owner gets a note that someone tried to register with it; a new address gets a link
(32 random bytes, stored as its SHA-256, valid PASSWORD_RESET_TTL) that creates the account.
A pending registration reserves nothing, so the name is not taken until the link is used.
"""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import utcnow
from . import mail, reset_tokens, users
from .models import PendingRegistration, User

log = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")  # what token_urlsafe(32) produces


class InvalidToken(ValueError):
    """The link is unknown, expired or already used (we do not say which)."""


@dataclass(frozen=True)
class ConfirmationMail:
    """A new address: mail it this link's token."""
    email: str
    username: str
    token: str


@dataclass(frozen=True)
class OwnerNotice:
    """The address has an account: tell its owner someone tried to register with it."""
    user: User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(username: str, email: str, password: str, now: datetime | None = None) -> None:
    """Check the public rules, store the sign-up, queue its mail (the job looks the address up).

    Raises AccountError for a broken rule or a taken username, never for a taken email.
    """
    username, email = username.strip().lower(), email.strip().lower()
    users.check_new_account(username, email, password)
    now = now or utcnow()
    row = PendingRegistration(username=username, email=email,
                              password_hash=users.hash_password(password), created_at=now,
                              expires_at=now + timedelta(seconds=current_app.config["PASSWORD_RESET_TTL"]))
    db.session.add(row)
    db.session.commit()
    mail.queue("jobs.email.send_registration_email", row.id)


def prepare_mail(pending_id: int, now: datetime | None = None) -> ConfirmationMail | OwnerNotice | None:
    """What the mail job sends for ``pending_id``, or None (expired, gone, over the mail cap)."""
    now = now or utcnow()
    row = db.session.get(PendingRegistration, pending_id)
    if row is None or row.expires_at <= now:
        return None
    if not reset_tokens.mail_allowed(row.email, "register-mail"):
        log.warning("registration mails to one address are over RATELIMIT_RESET_MAIL: not sending")
        return None
    owner = db.session.scalar(select(User).where(User.email == row.email))
    if owner is not None:
        db.session.delete(row)  # it can never become an account
        db.session.commit()
        return OwnerNotice(owner)
    token = secrets.token_urlsafe(32)
    row.token_hash = hash_token(token)  # a retried job's new link replaces the old one
    db.session.commit()
    return ConfirmationMail(row.email, row.username, token)


def find_valid(token: str, now: datetime | None = None) -> PendingRegistration | None:
    if not TOKEN_RE.fullmatch(token):
        return None
    return db.session.scalar(select(PendingRegistration).where(
        PendingRegistration.token_hash == hash_token(token),
        PendingRegistration.expires_at > (now or utcnow())))


def confirm(token: str) -> User:
    """Create the account of a confirmed sign-up; commit. Raises InvalidToken, or AccountError
    when its name or address was taken since."""
    row = find_valid(token)
    if row is None:
        raise InvalidToken("This link is invalid or has expired.")
    user = users.add_user(row.username, row.email, row.password_hash)
    # Every other sign-up of this address is moot now.
    db.session.execute(delete(PendingRegistration).where(PendingRegistration.email == row.email))
    try:
        db.session.commit()
    except IntegrityError as exc:  # a concurrent confirmation won the race
        db.session.rollback()
        raise users.AccountError("username", "That username or email is taken.") from exc
    return user


def delete_expired(now: datetime | None = None) -> int:
    """Delete sign-ups whose link expired; commit; return how many."""
    result = db.session.execute(
        delete(PendingRegistration).where(PendingRegistration.expires_at <= (now or utcnow())))
    db.session.commit()
    return result.rowcount
