"""Links of one owner: list, find, create, update, delete. Knows nothing about HTTP.

Every function takes the owner's id, so a link of someone else is never
found, changed or deleted: to the caller it does not exist.
"""

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from ..extensions import db
from ..models import Link
from .slugs import save_new_link

# Far past any real dashboard, and far below where OFFSET overflows 64 bits.
MAX_PAGE = 1_000_000


def list_links(owner_id: int, page: int, per_page: int) -> Pagination:
    """The owner's links, newest first, one page of them (a page past the last is empty)."""
    page = min(max(page, 1), MAX_PAGE)
    query = (
        select(Link)
        .where(Link.owner_id == owner_id)
        .order_by(Link.created_at.desc(), Link.id.desc())
    )
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
