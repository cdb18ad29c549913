"""Every rule of a link's fields, in one place: the web forms, the API and the CSV import call
these functions, and each raises ``LinkRuleError`` naming the field, which the edges turn into a
form error, a 422 JSON answer or a rejected import row. No HTTP, no database; the target's host
name is looked up in DNS (``resolver``, bounded in time), so ``check_target`` needs the app.

The limits are the widths of the ``links`` columns (tests/links/test_rules.py holds them equal).
"""

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app

from ..accounts.users import PASSWORD_MAX_LENGTH
from ..blocklist.checks import is_blocked
from ..timeutil import utcnow
from . import resolver, urls

TITLE_MAX_LENGTH = 200  # Link.title
SLUG_MAX_LENGTH = 64  # Link.slug and Link.slug_key
TARGET_MAX_LENGTH = urls.MAX_URL_LENGTH  # Link.target_url
SLUG_PATTERN = rf"[A-Za-z0-9_-]{{1,{SLUG_MAX_LENGTH}}}"
SLUG_RE = re.compile(SLUG_PATTERN)
REDIRECT_CODES = (302, 301, 307, 308)
DEFAULT_REDIRECT_CODE = 302
CLICK_LIMIT_MAX = 1_000_000_000  # fits the INTEGER column with room to spare
LINK_PASSWORD_MIN_LENGTH = 4
LINK_PASSWORD_MAX_LENGTH = PASSWORD_MAX_LENGTH


class LinkRuleError(ValueError):
    """A link field breaks a rule. ``field`` names it (a form field, an API attribute); the
    message says why, for the user. ``problems`` lists every broken rule when several were
    checked together (this one first)."""

    def __init__(self, field: str, message: str, others: tuple["LinkRuleError", ...] = ()):
        super().__init__(message)
        self.field = field
        self.problems = (self, *others)


def check_target(url: str, own_hosts: Collection[str] = ()) -> str:
    """The target as stored (normalized); not one of ``own_hosts``, not a name that leads
    back to this server (looked up in DNS, within LINK_TARGET_DNS_TIMEOUT; 0 turns it off),
    and not on the blocklist."""
    try:
        target = urls.validate_target_url(url, own_hosts)
    except urls.InvalidTargetURL as exc:
        raise LinkRuleError("target_url", str(exc)) from exc
    host = urlsplit(target).hostname or ""
    timeout = current_app.config["LINK_TARGET_DNS_TIMEOUT"]
    # Address literals and localhost keep urls' own rule; only names hide where they lead.
    if timeout > 0 and not urls.is_address_literal(host) and resolver.leads_here(host, timeout):
        raise LinkRuleError("target_url", f"The host name {host} leads back to this server "
                                          "(it resolves to a local address): links to it would loop.")
    if is_blocked(target):
        raise LinkRuleError("target_url", "This destination is blocked on this site.")
    return target


def check_slug(slug: str) -> str:
    if not SLUG_RE.fullmatch(slug):
        raise LinkRuleError("slug", f"Use 1 to {SLUG_MAX_LENGTH} characters: letters, digits, '-' or '_'.")
    return slug


def check_title(title: str | None) -> str | None:
    """The title as stored (None for none)."""
    if title is None:
        return None
    if len(title) > TITLE_MAX_LENGTH:
        raise LinkRuleError("title", f"The title is too long (at most {TITLE_MAX_LENGTH} characters).")
    # PostgreSQL refuses NUL in text, and no title needs control characters.
    if any(unicodedata.category(char) == "Cc" for char in title):
        raise LinkRuleError("title", "The title cannot contain control characters.")
    return title or None


def check_new_expiry(expires_at: datetime | None, now: datetime | None = None) -> datetime | None:
    """A new link's expiry (naive UTC) must lie in the future."""
    if expires_at is not None and expires_at <= (now or utcnow()):
        raise LinkRuleError("expires_at", "That moment is in the past: pick one in the future.")
    return expires_at


def parse_moment(field: str, text: str) -> datetime:
    """An ISO 8601 / RFC 3339 date and time as naive UTC; one without an offset is UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        # Overflows at the ends of the calendar (year 1 with a positive offset).
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    except (ValueError, OverflowError) as exc:
        raise LinkRuleError(field, f"{text[:40]!r} is not a date and time like 2030-12-31 23:59 "
                                   "or 2030-12-31T23:59:00Z.") from exc


@dataclass(frozen=True)
class LinkOptions:
    """The options of a link as the owner sets them.

    ``password`` is the new password in plain text (None: keep the current one);
    ``remove_password`` takes the protection away. Neither is ever stored as given.
    """

    starts_at: datetime | None = None
    click_limit: int | None = None
    redirect_code: int = DEFAULT_REDIRECT_CODE
    forward_query: bool = False
    public_stats: bool = False
    password: str | None = None
    remove_password: bool = False


def option_problems(options: LinkOptions, expires_at: datetime | None) -> list[LinkRuleError]:
    """Every rule ``options`` break (with the link's expiry), as errors naming their field."""
    problems = []
    if options.starts_at and expires_at and options.starts_at >= expires_at:
        problems.append(LinkRuleError("starts_at", "The start must come before the expiry."))
    if options.click_limit is not None and not 1 <= options.click_limit <= CLICK_LIMIT_MAX:
        problems.append(LinkRuleError(
            "click_limit", f"Use a whole number from 1 to {CLICK_LIMIT_MAX:,}, or leave it empty."))
    if options.redirect_code not in REDIRECT_CODES:
        problems.append(LinkRuleError("redirect_code", "Pick 301, 302, 307 or 308."))
    # The message never repeats the password: errors end up in logs and API answers.
    length = None if options.password is None else len(options.password)
    if length is not None and not LINK_PASSWORD_MIN_LENGTH <= length <= LINK_PASSWORD_MAX_LENGTH:
        problems.append(LinkRuleError(
            "password", f"Use {LINK_PASSWORD_MIN_LENGTH} to {LINK_PASSWORD_MAX_LENGTH} characters."))
    return problems


def check_options(options: LinkOptions, expires_at: datetime | None) -> LinkOptions:
    """``options`` if they break no rule; else raises the first problem, carrying all of them."""
    problems = option_problems(options, expires_at)
    if problems:
        first, *others = problems
        raise LinkRuleError(first.field, str(first), tuple(others))
    return options
