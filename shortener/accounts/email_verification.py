"""Proving the address of an account made without it (an ``open`` sign-up). Knows nothing
about HTTP.

The link's token is signed (itsdangerous, the app's SECRET_KEY, a salt of its own), not stored:
verifying is idempotent and revokes nothing, so there is nothing to keep or clean up. It names
the account and its address, and lasts PASSWORD_RESET_TTL seconds; an address changed since
makes it worthless.
"""

import logging

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..extensions import db
from ..timeutil import utcnow
from . import mail, reset_tokens
from .models import User

log = logging.getLogger(__name__)
SALT = "shortener.email-verification"
TOKEN_MAX_LENGTH = 200  # far more than a token of ours; anything longer is not parsed


class InvalidToken(ValueError):
    """The link is broken, expired or for an address the account no longer has."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user: User) -> str:
    return _serializer().dumps({"user": user.id, "email": user.email})


def find_valid(token: str) -> User | None:
    """The account ``token`` proves the address of, or None."""
    if len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_TTL"])
    except BadSignature:  # SignatureExpired is one
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    user = db.session.get(User, data["user"])
    return user if user is not None and user.email == data.get("email") else None


def verify(token: str) -> User:
    """Mark the address of ``token``'s account verified (once; again is harmless); commit."""
    user = find_valid(token)
    if user is None:
        raise InvalidToken("This link is invalid or has expired.")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.commit()
    return user


def request_mail(user: User) -> bool:
    """Queue the mail with the link (after the account's commit); False if it could not be."""
    if user.email_verified_at is not None:
        return False
    return mail.queue("jobs.email.send_verification_email", user.id)


def prepare_mail(user_id: int) -> tuple[User, str] | None:
    """(user, token) for the mail job, or None: gone, verified already, over the mail cap."""
    user = db.session.get(User, user_id)
    if user is None or user.email_verified_at is not None:
        return None
    if not reset_tokens.mail_allowed(user.email, "verify-mail"):
        log.warning("verification mails to one address are over RATELIMIT_RESET_MAIL: not sending")
        return None
    return user, make_token(user)
