"""Links of one owner: list, find, create, update, delete. Knows nothing about HTTP.

Every function takes the owner's id, so a link of someone else is never
found, changed or deleted: to the caller it does not exist.
"""

import unicodedata
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import or_, select

from ..extensions import db
from ..models import Link
from ..timeutil import utcnow
from .slugs import save_new_link

# Far past any real dashboard, and far below where OFFSET overflows 64 bits.
MAX_PAGE = 1_000_000
TITLE_MAX_LENGTH = 200  # the width of Link.title
SORTS = {
    "newest": (Link.created_at.desc(), Link.id.desc()),
    "clicks": (Link.click_count.desc(), Link.id.desc()),
}


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


def list_links(owner_id: int, page: int, per_page: int, search: str | None = None,
               sort: str = "newest") -> Pagination:
    """The owner's links, one page of them (a page past the last is empty), newest first or
    by clicks; ``search`` keeps those whose slug, title or target contains it (any case)."""
    page = min(max(page, 1), MAX_PAGE)
    query = select(Link).where(Link.owner_id == owner_id).order_by(*SORTS[sort])
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(*(column.ilike(pattern, escape="\\")
                                  for column in (Link.slug, Link.title, Link.target_url))))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def get_link(owner_id: int, link_id: int) -> Link | None:
    return db.session.scalar(select(Link).where(Link.id == link_id, Link.owner_id == owner_id))


def create_link(owner_id: int, target_url: str, title: str | None = None, expires_at=None,
                slug: str | None = None) -> Link:
    """Create and commit a link under ``slug`` or a random one; raises SlugError, SlugTaken."""
    link = Link(owner_id=owner_id, target_url=target_url, title=title, expires_at=expires_at)
    return save_new_link(link, slug)


def save_link(link: Link) -> None:
    """Commit the changes made to ``link``."""
    db.session.commit()


def delete_link(link: Link) -> None:
    db.session.delete(link)  # its clicks and daily counts go by ON DELETE CASCADE
    db.session.commit()
