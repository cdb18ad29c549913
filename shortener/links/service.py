"""Links of one owner: list, find, create, update, delete. Knows nothing about HTTP.

Every function takes the owner's id, so a link of someone else is never
found, changed or deleted: to the caller it does not exist.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, or_, select

from ..accounts.users import PASSWORD_MAX_LENGTH, hash_password
from ..extensions import db
from ..models import Link
from ..timeutil import utcnow
from .slugs import save_new_link

# Far past any real dashboard, and far below where OFFSET overflows 64 bits.
MAX_PAGE = 1_000_000
TITLE_MAX_LENGTH = 200  # the width of Link.title


class InvalidLink(ValueError):
    """A title or expiry breaks a rule; the message says why, for the user."""


def check_title(title: str | None) -> str | None:
    """The title as stored (None for none); raises InvalidLink."""
    if title is None:
        return None
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidLink(f"The title is too long (at most {TITLE_MAX_LENGTH} characters).")
    # PostgreSQL refuses NUL in text, and no title needs control characters.
    if any(unicodedata.category(char) == "Cc" for char in title):
        raise InvalidLink("The title cannot contain control characters.")
    return title or None


def check_new_expiry(expires_at: datetime | None, now: datetime | None = None) -> datetime | None:
    """A new link's expiry (naive UTC) must lie in the future; raises InvalidLink."""
    if expires_at is not None and expires_at <= (now or utcnow()):
        raise InvalidLink("Pick a moment in the future.")
    return expires_at


# Longer than any slug or title; a longer search is cut, not refused.
MAX_QUERY = 200
# The dashboard's orders; the id breaks ties so pages never overlap.
SORTS = {
    "newest": (Link.created_at.desc(), Link.id.desc()),
    "clicks": (Link.click_count.desc(), Link.id.desc()),
    "recent": (Link.last_clicked_at.desc().nulls_last(), Link.id.desc()),
}
DEFAULT_SORT = "newest"

# --- link options ---------------------------------------------------------------------------

REDIRECT_CODES = (302, 301, 307, 308)
DEFAULT_REDIRECT_CODE = 302
CLICK_LIMIT_MAX = 1_000_000_000  # fits the INTEGER column with room to spare
LINK_PASSWORD_MIN_LENGTH = 4


class LinkOptionError(ValueError):
    """A link option breaks a rule; ``field`` names it (a form field, an API attribute)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


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
    password: str | None = None
    remove_password: bool = False


def option_problems(options: LinkOptions, expires_at: datetime | None) -> list[LinkOptionError]:
    """Every rule ``options`` break (with the link's expiry), as errors naming their field."""
    problems = []
    if options.starts_at and expires_at and options.starts_at >= expires_at:
        problems.append(LinkOptionError("starts_at", "The start must come before the expiry."))
    if options.click_limit is not None and not 1 <= options.click_limit <= CLICK_LIMIT_MAX:
        problems.append(LinkOptionError(
            "click_limit", f"Use a whole number from 1 to {CLICK_LIMIT_MAX:,}, or leave it empty."))
    if options.redirect_code not in REDIRECT_CODES:
        problems.append(LinkOptionError("redirect_code", "Pick 301, 302, 307 or 308."))
    # The message never repeats the password: errors end up in logs and API answers.
    password_length = None if options.password is None else len(options.password)
    if password_length is not None and not LINK_PASSWORD_MIN_LENGTH <= password_length <= PASSWORD_MAX_LENGTH:
        problems.append(LinkOptionError(
            "password", f"Use {LINK_PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters."))
    return problems


def apply_options(link: Link, options: LinkOptions) -> None:
    """Set ``options`` on ``link`` (not committed); raises the first LinkOptionError."""
    problems = option_problems(options, link.expires_at)
    if problems:
        raise problems[0]
    link.starts_at = options.starts_at
    link.click_limit = options.click_limit
    link.redirect_code = options.redirect_code
    link.forward_query = options.forward_query
    if options.remove_password:
        link.password_hash = None
    elif options.password:
        link.password_hash = hash_password(options.password)


def options_of(link: Link) -> LinkOptions:
    """The link's current options (without its password, which is only a hash)."""
    return LinkOptions(link.starts_at, link.click_limit, link.redirect_code, link.forward_query)


def parse_sort(value: object) -> str:
    """A known sort name; anything else is the default order."""
    return value if isinstance(value, str) and value in SORTS else DEFAULT_SORT


def clean_query(value: object) -> str:
    """The search text as typed, trimmed and cut to MAX_QUERY; '' for none."""
    # PostgreSQL refuses NUL in a string; no slug, title or target holds one.
    return value.replace("\x00", "").strip()[:MAX_QUERY] if isinstance(value, str) else ""


def list_links(owner_id: int, page: int, per_page: int, query: str = "",
               sort: str = DEFAULT_SORT) -> Pagination:
    """One page of the owner's links matching ``query``, in ``sort`` order (past the last: empty)."""
    page = min(max(page, 1), MAX_PAGE)
    return db.paginate(links_query(owner_id, query, sort), page=page, per_page=per_page,
                       error_out=False)


def links_query(owner_id: int, query: str = "", sort: str = DEFAULT_SORT) -> Select:
    """The owner's links whose slug, title or target contains ``query`` (any case), ordered."""
    stmt = select(Link).where(Link.owner_id == owner_id).order_by(*SORTS[parse_sort(sort)])
    if query:
        # autoescape: % and _ in the text are searched for literally.
        stmt = stmt.where(or_(*(column.icontains(query, autoescape=True)
                                for column in (Link.slug, Link.title, Link.target_url))))
    return stmt


def get_link(owner_id: int, link_id: int) -> Link | None:
    return db.session.scalar(select(Link).where(Link.id == link_id, Link.owner_id == owner_id))


def create_link(owner_id: int, target_url: str, title: str | None = None, expires_at=None,
                slug: str | None = None, options: LinkOptions | None = None) -> Link:
    """Create and commit a link under ``slug`` or a random one.

    Raises SlugError, SlugTaken or LinkOptionError.
    """
    link = Link(owner_id=owner_id, target_url=target_url, title=title, expires_at=expires_at)
    apply_options(link, options or LinkOptions())
    return save_new_link(link, slug)


def save_link(link: Link) -> None:
    """Commit the changes made to ``link``."""
    db.session.commit()


EDITABLE = frozenset({"target_url", "title", "expires_at", "is_active"})


def update_link(link: Link, options: LinkOptions | None = None, **fields) -> None:
    """Change ``fields`` (target_url, title, expires_at, is_active) and ``options``; commit.

    Raises LinkOptionError before changing anything the options reject.
    """
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if options is not None:
        problems = option_problems(options, fields.get("expires_at", link.expires_at))
        if problems:
            raise problems[0]
    for name, value in fields.items():
        setattr(link, name, value)
    if options is not None:
        apply_options(link, options)
    db.session.commit()


def delete_link(link: Link) -> None:
    db.session.delete(link)  # its clicks and daily counts go by ON DELETE CASCADE
    db.session.commit()
