"""Accounts' tables: users, their logins, networks, pending sign-ups, reset links, invites and
the registration mode's changes."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("username = lower(username)", name="username_lowercase"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored lowercase, so uniqueness is case-insensitive on every engine.
    username: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set only from the CLI (`flask users create-admin`): no web page grants it.
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the owner proved the address (a sign-up's link, or the link of an open sign-up's
    # mail); None: never. Unverified accounts get the smaller link budget (links.quota).
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set by an admin (shortener.moderation): no login, no API token, and every link answers 410.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime)

    # The random id of the login this object was loaded for (shortener.accounts.user_sessions):
    # Flask-Login puts it in the session and remember cookies instead of the user id.
    session_token = None

    def get_id(self) -> str:
        if self.session_token is None:
            raise RuntimeError("log in through shortener.accounts.user_sessions.start")
        return self.session_token


class UserSession(db.Model):
    """One login of a user on one device; revoking it ends its session and remember cookies."""

    __tablename__ = "user_sessions"
    __table_args__ = {"sqlite_autoincrement": True}  # its id is in URLs: never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Only the SHA-256 of the random id the cookies carry: a leaked table opens no session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    user_agent: Mapped[str | None] = mapped_column(String(100))  # a summary: "Firefox on Linux"


class LoginNetwork(db.Model):
    """A network (IPv4 /24, IPv6 /64) the user logged in from, or proved the email from (a reset).

    Only a keyed hash of the network is kept; see shortener.accounts.login_networks.
    """

    __tablename__ = "login_networks"
    __table_args__ = (UniqueConstraint("user_id", "network_hash", name="uq_login_networks_user_network"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    network_hash: Mapped[str] = mapped_column(String(64))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class PendingRegistration(db.Model):
    """A sign-up waiting for its email to be confirmed; it reserves neither name nor address,
    so it tells nobody whether the address has an account (shortener.accounts.registrations)."""

    __tablename__ = "pending_registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(254), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Set by the mail job; only the SHA-256 of the link's token, as for reset links.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    # The invite code given on the form (invite mode): claimed when the account is created.
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invites.id", ondelete="SET NULL"))


class PasswordResetToken(db.Model):
    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only the SHA-256 of the token is stored; the token itself is in the mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class Invite(db.Model):
    """A single-use invite code (shortener.accounts.invites); only its SHA-256 is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class RegistrationModeChange(db.Model):
    """An admin's choice of registration mode; the newest row wins over REGISTRATION
    (shortener.accounts.registration_modes), the others say who changed it when."""

    __tablename__ = "registration_mode_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
