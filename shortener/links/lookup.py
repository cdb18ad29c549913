"""Resolving ``/<username>/<slug>`` to a live link: one query, or none when cached.

Found links are remembered per process for ``LINK_CACHE_SECONDS``, so a hot
link costs no query at all; an edit or deactivation reaches the redirect
within that time, while expiry and the scheduled start are checked on every
request. Unknown links are not cached, so a link works the moment it is created.

A link an admin disabled, or whose owner an admin disabled, rides in the cache too
(``LinkRow.disabled``): the redirect answers it 410 without a query of its own. So does a
link's quarantine (``LinkRow.quarantined``): the warning shows within the cache's lifetime.

A link's options ride in the same cached row (``LinkRow.options``), None for
a link with every option off: such a link costs the redirect one attribute
check more than before options existed.
"""

import time
from datetime import datetime
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from ..timeutil import utcnow
from .models import Link, is_live, limit_reached

CACHE_MAX_ENTRIES = 10_000
PLAIN_REDIRECT_CODE = 302
# LinkRow.disabled: why an admin's action stopped the link (shortener.moderation).
DISABLED_LINK = "link"  # the link itself
DISABLED_OWNER = "owner"  # its owner's account


class OptionsRow(NamedTuple):
    """What the redirect enforces beyond active and expiry.

    ``click_count`` is as of the row's query: the click limit is reached within
    ``LINK_CACHE_SECONDS`` plus the click pipeline's lag, not to the click.
    """

    starts_at: datetime | None
    click_limit: int | None
    click_count: int
    password_hash: str | None
    redirect_code: int
    forward_query: bool

    @property
    def limit_reached(self) -> bool:
        return limit_reached(self.click_limit, self.click_count)


class LinkRow(NamedTuple):
    id: int
    target_url: str
    is_active: bool
    expires_at: datetime | None
    options: OptionsRow | None = None
    disabled: str | None = None  # DISABLED_LINK, DISABLED_OWNER or None
    quarantined: bool = False  # reported enough: visitors are warned first (shortener.moderation.reports)


def resolve(username: str, slug: str) -> LinkRow | None:
    """The live link at ``username/slug``: None if unknown, inactive, expired or not started.

    A link disabled by an admin is returned whatever else holds: the policy refuses it (410)."""
    if "\x00" in username or "\x00" in slug:
        return None  # no name has a NUL, and PostgreSQL would refuse the query (a 500)
    # Usernames and slugs are both matched whatever their case.
    row = _cached_row(username.lower(), slug.lower())
    if row is not None and row.disabled is not None:
        return row
    if row is None:
        return None
    # Scheduled: until it starts a link is indistinguishable from a missing one.
    starts_at = row.options.starts_at if row.options is not None else None
    return row if is_live(row.is_active, row.expires_at, starts_at, utcnow()) else None


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
        select(Link.id, Link.target_url, Link.is_active, Link.expires_at, Link.starts_at,
               Link.click_limit, Link.click_count, Link.password_hash, Link.redirect_code,
               Link.forward_query, Link.admin_disabled_at, User.disabled_at, Link.quarantined_at)
        .join(User, User.id == Link.owner_id)
        .where(User.username == username, Link.slug_key == slug)
    ).first()
    if row is None:
        return None
    options = OptionsRow(*row[4:10])
    if _all_off(options):
        options = None
    return LinkRow(*row[:4], options, _disabled(row.admin_disabled_at, row.disabled_at),
                   row.quarantined_at is not None)


def _disabled(link_disabled_at: datetime | None, owner_disabled_at: datetime | None) -> str | None:
    if link_disabled_at is not None:
        return DISABLED_LINK
    return DISABLED_OWNER if owner_disabled_at is not None else None


def _all_off(options: OptionsRow) -> bool:
    return (options.starts_at is None and options.click_limit is None and options.password_hash is None
            and options.redirect_code == PLAIN_REDIRECT_CODE and not options.forward_query)
