"""Resolving ``/<username>/<slug>`` to a live link, with one query."""

from typing import NamedTuple

from sqlalchemy import select

from .extensions import db
from .models import Link, User
from .timeutil import utcnow


class ResolvedLink(NamedTuple):
    id: int
    target_url: str


def resolve(username: str, slug: str) -> ResolvedLink | None:
    """The live link at ``username/slug``, or None if unknown, inactive or expired."""
    row = db.session.execute(
        select(Link.id, Link.target_url, Link.is_active, Link.expires_at)
        .join(User, User.id == Link.owner_id)
        .where(User.username == username.lower(), Link.slug == slug)
    ).first()
    if row is None or not row.is_active:
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        return None
    return ResolvedLink(row.id, row.target_url)
