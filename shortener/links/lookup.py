"""Resolving ``/<username>/<slug>`` to a live link: one query, or none when cached.

Found links are remembered per process for ``LINK_CACHE_SECONDS``, so a hot
link costs no query at all; an edit or deactivation reaches the redirect
within that time, while expiry is checked on every request. Unknown links are
not cached, so a link works the moment it is created.
"""

import time
from datetime import datetime
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Link, User
from ..timeutil import utcnow

CACHE_MAX_ENTRIES = 10_000


class LinkRow(NamedTuple):
    id: int
    target_url: str
    is_active: bool
    expires_at: datetime | None


def resolve(username: str, slug: str) -> LinkRow | None:
    """The live link at ``username/slug``, or None if unknown, inactive or expired."""
    if "\x00" in username or "\x00" in slug:
        return None  # no name has a NUL, and PostgreSQL would refuse the query (a 500)
    row = _cached_row(username.lower(), slug)
    if row is None or not row.is_active:
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        return None
    return row


def _cached_row(username: str, slug: str) -> LinkRow | None:
    ttl = current_app.config["LINK_CACHE_SECONDS"]
    if ttl <= 0:
        return _query(username, slug)
    cache = current_app.extensions.setdefault("link_cache", {})
    now = time.monotonic()
    hit = cache.get((username, slug))
    if hit is not None and hit[0] > now:
        return hit[1]
    row = _query(username, slug)
    if row is not None:
        if len(cache) >= CACHE_MAX_ENTRIES:
            cache.clear()  # crude but bounded: a hot link is back after one query
        cache[(username, slug)] = (now + ttl, row)
    return row


def _query(username: str, slug: str) -> LinkRow | None:
    row = db.session.execute(
        select(Link.id, Link.target_url, Link.is_active, Link.expires_at)
        .join(User, User.id == Link.owner_id)
        .where(User.username == username, Link.slug == slug)
    ).first()
    return None if row is None else LinkRow(*row)
