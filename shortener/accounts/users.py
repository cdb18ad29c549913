"""Users: creating them, checking and changing passwords. Knows nothing about HTTP."""

import functools
import gzip
import re
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import utcnow
from . import user_sessions
from .models import PasswordResetToken, User

# OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verifying against this keeps a login for an unknown user as slow as for a known one.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

USERNAME_RE = re.compile(r"[a-z0-9_-]{3,32}")
PASSWORD_MIN_LENGTH = 8
# Far beyond any passphrase; stops megabyte "passwords" from costing hashing time.
PASSWORD_MAX_LENGTH = 1024
COMMON_PASSWORDS_FILE = "common-passwords.txt.gz"
# Names that mean the site, its staff or a protocol to people and mail systems, or that the
# landing page shows (/you/launch). The site's own first path segments are added from its
# URL map (``reserved_usernames``), so a new page can never be shadowed by a user.
WELL_KNOWN_NAMES = frozenset([
    "abuse", "account", "accounts", "admin", "administrator", "api", "app", "assets", "auth",
    "billing", "blog", "contact", "dashboard", "dev", "docs", "example", "favicon.ico", "ftp",
    "healthz", "help", "hostmaster", "info", "links", "livez", "login", "logout", "mail",
    "mailer-daemon", "me", "new", "noc", "no-reply", "noreply", "null", "official", "owner",
    "postmaster", "privacy", "readyz", "register", "reset", "robots.txt", "root", "security",
    "settings", "shortener", "signin", "signup", "sitemap.xml", "staff", "static", "stats",
    "status", "support", "sysadmin", "system", "terms", "test", "undefined", "user", "users",
    "webmaster", "well-known", "www", "you",
])


def reserved_usernames() -> frozenset[str]:
    """WELL_KNOWN_NAMES and the first path segment of every page of this app."""
    segments = {rule.rule.strip("/").split("/")[0] for rule in current_app.url_map.iter_rules()}
    return WELL_KNOWN_NAMES | {segment.lower() for segment in segments
                               if segment and "<" not in segment}


class AccountError(ValueError):
    """A registration or password rule was broken; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def username_problem(username: str) -> str | None:
    """Why ``username`` cannot be registered (format, reserved), or None."""
    if not USERNAME_RE.fullmatch(username):
        return "Use 3 to 32 characters: lowercase letters, digits, '_' or '-'."
    if username in reserved_usernames():
        return "That name is reserved. Please pick another."
    return None


def password_problem(password: str, username: str | None = None,
                     email: str | None = None) -> str | None:
    """Why ``password`` is refused, NIST SP 800-63B style: long enough, not a known or
    guessable one; no composition rules (any characters, spaces included)."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Use at least {PASSWORD_MIN_LENGTH} characters."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Use at most {PASSWORD_MAX_LENGTH} characters."
    folded = password.strip().casefold()
    if len(set(password)) == 1 or not folded:
        return "That is one character repeated: pick something harder to guess."
    if folded in common_passwords() or password.casefold() in common_passwords():
        return "That is one of the most common passwords: pick something harder to guess."
    if folded in {name.strip().casefold() for name in (username, email) if name}:
        return "Your password cannot be your username or email."
    return None


@functools.cache
def common_passwords() -> frozenset[str]:
    """The 19,640 most common passwords (see COMMON_PASSWORDS.md), read once."""
    data = resources.files(__package__).joinpath(COMMON_PASSWORDS_FILE).read_bytes()
    return frozenset(gzip.decompress(data).decode().split())


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    if user is None:
        _safe_verify(_DUMMY_HASH, password)
        return False
    if not _safe_verify(user.password_hash, password):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return True


def check_password_hash(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches an argon2 hash made by ``hash_password`` (e.g. a link's)."""
    return _safe_verify(password_hash, password)


def _safe_verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def find_by_login(login: str) -> User | None:
    """The user whose username or email is ``login`` (case-insensitive)."""
    login = login.strip().lower()
    return db.session.scalar(select(User).where(or_(User.username == login, User.email == login)))


def create_user(username: str, email: str, password: str, verified: bool = True) -> User:
    """Create and commit a user; raises AccountError for a taken or invalid name or email.

    ``verified``: whether the address counts as proved (an admin typed it); an open sign-up's
    does not until its link is opened (shortener.accounts.email_verification).
    """
    username, email = username.strip().lower(), email.strip().lower()
    check_new_account(username, email, password)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise AccountError("email", "An account with that email already exists.")
    user = add_user(username, email, hash_password(password), verified=verified)
    try:
        db.session.commit()
    except IntegrityError as exc:  # a concurrent registration won the race
        db.session.rollback()
        raise AccountError("username", "That username or email is taken.") from exc
    return user


def check_new_account(username: str, email: str, password: str) -> None:
    """Raise AccountError for what anyone may learn: a bad name or password, a taken username.

    Whether the email has an account is not said here: registration never tells.
    """
    problem = username_problem(username)
    if problem:
        raise AccountError("username", problem)
    problem = password_problem(password, username, email)
    if problem:
        raise AccountError("password", problem)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise AccountError("username", "That username is taken.")


def add_user(username: str, email: str, password_hash: str, verified: bool = True) -> User:
    """Add (not commit) a user of an already hashed password, unless the name or email is taken.

    ``verified``: the address is proved (a sign-up's link was opened, an admin typed it)."""
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise AccountError("username", "That username was taken meanwhile: please sign up again "
                           "with another.")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise AccountError("email", "An account with that email exists already: log in, or "
                           "reset its password.")
    user = User(username=username, email=email, password_hash=password_hash,
                email_verified_at=utcnow() if verified else None)
    db.session.add(user)
    return user


def find_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def set_admin(user: User, is_admin: bool) -> bool:
    """Grant or take away admin rights; commits. Returns whether anything changed."""
    if user.is_admin == is_admin:
        return False
    user.is_admin = is_admin
    db.session.commit()
    return True


def set_password(user: User, password: str, commit: bool = True) -> None:
    """Change the password, end every session of the user and every reset link sent to them.

    With ``commit=False`` the caller commits (to end more credentials in the same transaction).
    """
    problem = password_problem(password, user.username, user.email)
    if problem:
        raise AccountError("password", problem)
    user.password_hash = hash_password(password)
    user_sessions.revoke_all(user.id, commit=False)
    # A link mailed before the change must not undo it (someone may have read that mailbox).
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if commit:
        db.session.commit()
