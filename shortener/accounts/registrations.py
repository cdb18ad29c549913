"""Sign-ups confirmed by email, so that registering tells nobody whether an address has an
account. Knows nothing about HTTP.

The form's request checks what is public anyway (the username's rules, and whether the name is
taken: usernames are in every short URL) and always does the same work: it stores a pending
registration (the password already hashed) and queues one mail job. The job looks the address
up: its owner gets a note that someone tried to register with it; a new address gets a link
(32 random bytes, stored as its SHA-256, valid PASSWORD_RESET_TTL) that creates the account.
A pending registration reserves nothing, so the name is not taken until the link is used.

That is the ``verified`` and ``invite`` registration modes (shortener.accounts.registration_modes);
``open`` makes the account at once (``register``), ``closed`` makes none, and a link mailed
before the mode changed obeys the mode in force when it is opened.
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
from . import email_verification, invites, mail, registration_modes, reset_tokens, users
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


class RegistrationClosed(Exception):
    """The registration mode is ``closed``: no account is made."""


INVITE_REFUSED = "That invite code is unknown, used or expired."
INVITE_LOST = "The invite code of this sign-up was used or has expired meanwhile."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def register(username: str, email: str, password: str, invite_code: str | None = None) -> User | None:
    """Sign up as the registration mode in force says: ``open``, the account (address not
    verified, its mail queued); else None once the confirmation mail is queued.

    Raises RegistrationClosed, or AccountError (also for an invite code that cannot be used).
    """
    mode = registration_modes.current()
    if mode == registration_modes.CLOSED:
        raise RegistrationClosed()
    if mode == registration_modes.OPEN:
        user = users.create_user(username, email, password, verified=False)
        email_verification.request_mail(user)
        return user
    invite = None
    if mode == registration_modes.INVITE:
        invite = invites.find_usable(invite_code or "")
        if invite is None:
            raise users.AccountError("invite_code", INVITE_REFUSED)
    start(username, email, password, invite_id=invite and invite.id)
    return None


def start(username: str, email: str, password: str, now: datetime | None = None,
          invite_id: int | None = None) -> None:
    """Check the public rules, store the sign-up, queue its mail (the job looks the address up).

    Raises AccountError for a broken rule or a taken username, never for a taken email.
    """
    username, email = username.strip().lower(), email.strip().lower()
    users.check_new_account(username, email, password)
    now = now or utcnow()
    row = PendingRegistration(username=username, email=email,
                              password_hash=users.hash_password(password), created_at=now,
                              expires_at=now + timedelta(seconds=current_app.config["PASSWORD_RESET_TTL"]),
                              invite_id=invite_id)
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
    """Create the account of a confirmed sign-up; commit. Raises InvalidToken, RegistrationClosed,
    or AccountError when its name or address was taken since, or its invite code is gone."""
    row = find_valid(token)
    if row is None:
        raise InvalidToken("This link is invalid or has expired.")
    mode = registration_modes.current()
    if mode == registration_modes.CLOSED:
        raise RegistrationClosed()
    user = users.add_user(row.username, row.email, row.password_hash)
    # Every other sign-up of this address is moot now.
    db.session.execute(delete(PendingRegistration).where(PendingRegistration.email == row.email))
    try:
        if mode == registration_modes.INVITE:
            _claim_invite(row.invite_id, user)
        db.session.commit()
    except IntegrityError as exc:  # a concurrent confirmation won the race
        db.session.rollback()
        raise users.AccountError("username", "That username or email is taken.") from exc
    return user


def _claim_invite(invite_id: int | None, user: User) -> None:
    db.session.flush()  # the user's id, for the invite's used_by
    if invite_id is None or not invites.claim(invite_id, user.id):
        db.session.rollback()
        raise users.AccountError("invite_code", INVITE_LOST)


def delete_expired(now: datetime | None = None) -> int:
    """Delete sign-ups whose link expired; commit; return how many."""
    result = db.session.execute(
        delete(PendingRegistration).where(PendingRegistration.expires_at <= (now or utcnow())))
    db.session.commit()
    return result.rowcount
