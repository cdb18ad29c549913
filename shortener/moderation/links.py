"""Admins' side of links: search every user's links, disable and enable one.

An admin's disable (``Link.admin_disabled_at``) is apart from the owner's own ``is_active``:
the owner's switch cannot undo it, and the redirect answers 410 "This link was disabled".
"""

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import or_, select

from ..accounts.models import User
from ..extensions import db
from ..links.models import Link
from ..timeutil import utcnow
from . import audit
from .audit import ModerationError


def search(query: str, page: int, per_page: int, owner_id: int | None = None) -> Pagination:
    """One page of links whose slug, target or owner's name contains ``query``, newest first."""
    stmt = select(Link).join(User, User.id == Link.owner_id).order_by(Link.id.desc())
    if owner_id is not None:
        stmt = stmt.where(Link.owner_id == owner_id)
    if query:
        stmt = stmt.where(or_(*(column.icontains(query, autoescape=True)
                                for column in (Link.slug, Link.target_url, User.username))))
    page = min(max(page, 1), audit.MAX_PAGE)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def owners(links: list[Link]) -> dict[int, User]:
    """The owners of ``links`` by id, one query for a whole page."""
    ids = {link.owner_id for link in links}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def get(link_id: int) -> Link | None:
    return db.session.get(Link, link_id)


def disable(admin: User, link: Link, reason: str) -> None:
    """Disable ``link`` and log it; commits. ModerationError: already disabled, no reason."""
    if link.admin_disabled_at is not None:
        raise ModerationError("This link is disabled already.")
    audit.record(admin, "link.disable", link, reason)
    link.admin_disabled_at = utcnow()
    db.session.commit()


def enable(admin: User, link: Link, reason: str) -> None:
    """Lift an admin's disable of ``link`` and log it; commits (the owner's is_active stays)."""
    if link.admin_disabled_at is None:
        raise ModerationError("This link is not disabled.")
    audit.record(admin, "link.enable", link, reason)
    link.admin_disabled_at = None
    db.session.commit()
