"""Logins kept on the server, so that ending one really ends it. Knows nothing about HTTP.

Each login gets a row and a random id (32 bytes); Flask-Login's session and
remember cookies carry that id instead of the user id, and the user loader
accepts it only while its row is neither revoked nor idle for too long. So
logging out, "log out everywhere" and a password change end the cookies at
once, on this device or any other, while the other devices stay logged in.
The table keeps only the id's SHA-256.
"""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

import ua_parser
from flask import current_app
from sqlalchemy import delete, or_, select, update

from ..extensions import db
from ..timeutil import utcnow
from .models import User, UserSession

TOKEN_BYTES = 32
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")  # what token_urlsafe(32) produces
# Writing last_seen_at on every request would cost a write per page view.
LAST_SEEN_EVERY = timedelta(minutes=5)
USER_AGENT_MAX_LENGTH = 100


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, remember: bool, user_agent: str | None = None) -> str:
    """Record a new login of ``user``, commit, and give ``user`` its id (for Flask-Login)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    db.session.add(UserSession(
        token_hash=hash_token(token), user_id=user.id, created_at=now, last_seen_at=now,
        remember=bool(remember), user_agent=summarize_user_agent(user_agent),
    ))
    db.session.commit()
    user.session_token = token
    return token


def load(token: str, now: datetime | None = None) -> User | None:
    """The user of the live login ``token``, or None (unknown, revoked, idle too long)."""
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        return None  # also the "<id>:<version>" ids of the sessions before this table
    now = now or utcnow()
    row = db.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == hash_token(token), UserSession.revoked_at.is_(None),
               User.disabled_at.is_(None))  # an admin disabled the account: logged out at once
    ).first()
    if row is None:
        return None
    user, login = row
    if login.last_seen_at <= now - idle_limit(login.remember):
        return None
    if login.last_seen_at <= now - LAST_SEEN_EVERY:
        login.last_seen_at = now
        db.session.commit()
    user.session_token = token
    return user


def idle_limit(remember: bool) -> timedelta:
    """How long a login may go unused before it ends."""
    config = current_app.config
    if remember:
        return timedelta(days=config["REMEMBER_COOKIE_DAYS"])
    return timedelta(hours=config["SESSION_IDLE_HOURS"])


def revoke(token: str | None) -> None:
    """End the login ``token`` (logout); commit."""
    if token:
        _revoke(UserSession.token_hash == hash_token(token))


def revoke_one(user_id: int, session_id: int) -> bool:
    """End the login ``session_id`` of ``user_id``; False if it is not a live one of theirs."""
    return _revoke(UserSession.user_id == user_id, UserSession.id == session_id) == 1


def revoke_all(user_id: int, except_token: str | None = None, commit: bool = True) -> int:
    """End every login of ``user_id`` (but ``except_token``'s); return how many."""
    conditions = [UserSession.user_id == user_id]
    if except_token:
        conditions.append(UserSession.token_hash != hash_token(except_token))
    return _revoke(*conditions, commit=commit)


def _revoke(*conditions, commit: bool = True) -> int:
    result = db.session.execute(
        update(UserSession).where(UserSession.revoked_at.is_(None), *conditions)
        .values(revoked_at=utcnow())
    )
    if commit:
        db.session.commit()
    return result.rowcount


def live_sessions(user_id: int, now: datetime | None = None) -> list[UserSession]:
    """The user's logins that still work, most recently used first."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return [row for row in rows if row.last_seen_at > now - idle_limit(row.remember)]


def is_current(login: UserSession, token: str | None) -> bool:
    return token is not None and login.token_hash == hash_token(token)


def delete_ended(now: datetime | None = None) -> int:
    """Delete revoked logins and ones idle past any limit; commit; return how many."""
    now = now or utcnow()
    longest = max(idle_limit(True), idle_limit(False))
    result = db.session.execute(
        delete(UserSession).where(
            or_(UserSession.revoked_at.is_not(None), UserSession.last_seen_at <= now - longest)
        )
    )
    db.session.commit()
    return result.rowcount


def summarize_user_agent(user_agent: str | None) -> str | None:
    """"Firefox on Linux": enough to recognise a device in the list, little to fingerprint."""
    if not user_agent:
        return None
    # ua-parser's native resolver refuses lone surrogates; nothing printable is lost.
    cleaned = "".join(char for char in user_agent[:512] if char.isprintable())
    parsed = ua_parser.parse(cleaned)
    browser = parsed.user_agent.family if parsed.user_agent else "Unknown browser"
    system = parsed.os.family if parsed.os else None
    summary = f"{browser} on {system}" if system and system != "Other" else browser
    return summary[:USER_AGENT_MAX_LENGTH]
