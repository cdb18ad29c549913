"""Links of one owner: list, find, create, update, delete. Knows nothing about HTTP.

Every function takes the owner's id, so a link of someone else is never
found, changed or deleted: to the caller it does not exist.
"""

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, or_, select

from ..extensions import db
from ..models import Link
from .slugs import save_new_link

# Far past any real dashboard, and far below where OFFSET overflows 64 bits.
MAX_PAGE = 1_000_000
# Longer than any slug or title; a longer search is cut, not refused.
MAX_QUERY = 200
# The dashboard's orders; the id breaks ties so pages never overlap.
SORTS = {
    "newest": (Link.created_at.desc(), Link.id.desc()),
    "clicks": (Link.click_count.desc(), Link.id.desc()),
    "recent": (Link.last_clicked_at.desc().nulls_last(), Link.id.desc()),
}
DEFAULT_SORT = "newest"


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
