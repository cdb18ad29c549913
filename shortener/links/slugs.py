"""Slugs: the last part of ``/<username>/<slug>``, unique per owner whatever their case.

A new link gets the slug its owner asked for, or 7 random base62 characters
(62**7, about 3.5e12 per owner, so a clash is rare but still handled). The
unique constraint ``uq_links_owner_slug_key`` (on the lowercased slug) is the judge: we insert and look at
what failed, which also covers two requests racing for the same slug.
"""

import secrets
import string

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .models import Link
from .rules import LinkRuleError, check_slug

ALPHABET = string.ascii_letters + string.digits
RANDOM_SLUG_LENGTH = 7
RANDOM_SLUG_ATTEMPTS = 5


# The slug's rule is shortener.links.rules.check_slug; these are its older names.
SlugError = LinkRuleError
validate_slug = check_slug


class SlugTaken(LinkRuleError):
    """The owner already has a link under this slug (in any case)."""

    def __init__(self, message: str):
        super().__init__("slug", message)


def random_slug() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SLUG_LENGTH))


def slug_taken(owner_id: int, slug: str) -> bool:
    return db.session.scalar(
        select(Link.id).where(Link.owner_id == owner_id, Link.slug_key == slug.lower())
    ) is not None


def save_new_link(link: Link, custom_slug: str | None = None) -> Link:
    """Insert and commit ``link`` under ``custom_slug``, or under a fresh random slug.

    Raises LinkRuleError for an invalid slug, SlugTaken if the owner already uses it.
    """
    if custom_slug:
        if not _insert(link, check_slug(custom_slug)):
            raise SlugTaken(f"You already have a link at /{custom_slug}. Pick another name.")
        return link
    for _ in range(RANDOM_SLUG_ATTEMPTS):
        if _insert(link, random_slug()):
            return link
    raise SlugTaken("Could not find a free short name. Please try again.")


def _insert(link: Link, slug: str) -> bool:
    """Commit ``link`` under ``slug``; False if the owner already has that slug."""
    link.slug = slug
    db.session.add(link)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if slug_taken(link.owner_id, slug):
            return False
        raise  # another constraint failed: not ours to hide
    return True
