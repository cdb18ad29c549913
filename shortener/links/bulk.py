"""Actions on many links at once, the ones an owner selected on the dashboard. No HTTP.

Every function takes the owner's id: an id of someone else's link (or of none) is dropped
before anything is done, and every statement is limited to the owner's links besides.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, func, or_, select, true, update
from sqlalchemy.orm import selectinload

from ..database import upsert
from ..extensions import db
from . import tags as tagging
from .models import Link, Tag, link_tags
from .rules import LinkRuleError, check_new_expiry

# What the dashboard offers, in its order, with the words of its menu.
ACTIONS = {"tag": "Add a tag", "untag": "Remove a tag", "disable": "Disable", "enable": "Enable",
           "expire": "Set the expiry", "delete": "Delete"}
MAX_LINKS = 500  # far more than a dashboard page; bounds the statements' lists of ids
LINK_ID_MAX = 2**31 - 1  # Link.id is a 32-bit INTEGER


class Outcome(NamedTuple):
    """``changed`` links were changed; ``unchanged`` were left as they were (already so, or
    the change would break a rule of theirs: see ``apply``)."""

    changed: int
    unchanged: int


def parse_ids(values: Iterable[object]) -> list[int]:
    """The ids in form values that can name a link, each once, in order; raises LinkRuleError
    past MAX_LINKS. Values that cannot be an id are dropped, like ids of other people's links."""
    ids = dict.fromkeys(int(value) for value in values
                        if isinstance(value, str) and value.isascii() and value.isdigit()
                        and len(value) <= 10 and 0 < int(value) <= LINK_ID_MAX)
    if len(ids) > MAX_LINKS:
        raise LinkRuleError("link_id", f"Select at most {MAX_LINKS} links at a time.")
    return list(ids)


def own_links(owner_id: int, link_ids: list[int]) -> list[Link]:
    """The owner's links among ``link_ids``, newest first, with their tags (two queries)."""
    if not link_ids:
        return []
    return list(db.session.scalars(
        select(Link).where(Link.owner_id == owner_id, Link.id.in_(link_ids))
        .order_by(Link.created_at.desc(), Link.id.desc()).options(selectinload(Link.tags))))


def check(action: str, tag: str | None = None, expires_at: datetime | None = None) -> str | None:
    """The tag as stored, for the actions that take one; raises LinkRuleError naming the field."""
    if action not in ACTIONS:
        raise LinkRuleError("action", "Pick what to do with the selected links.")
    if action == "expire":
        check_new_expiry(expires_at)
    if action in ("tag", "untag"):
        return tagging.check_tag(tag or "", field="tag")
    return None


def apply(owner_id: int, link_ids: list[int], action: str, tag: str | None = None,
          expires_at: datetime | None = None) -> Outcome:
    """Do ``action`` to the owner's links among ``link_ids``; commit. Raises LinkRuleError.

    tag: links already carrying it, or with TAGS_PER_LINK_MAX tags, are left as they are.
    expire (``expires_at`` None: no expiry): links starting at or after it are left as they are.
    """
    name = check(action, tag, expires_at)
    ids = [link.id for link in own_links(owner_id, link_ids)]
    if not ids:
        return Outcome(0, 0)
    if action == "tag":
        changed = _tag(owner_id, ids, name)
    elif action == "untag":
        changed = _untag(owner_id, ids, name)
    elif action == "expire":
        changed = _expire(owner_id, ids, expires_at)
    elif action == "delete":
        changed = _delete(owner_id, ids)
    else:
        changed = _set_active(owner_id, ids, action == "enable")
    db.session.commit()
    return Outcome(changed, len(ids) - changed)


def _of_owner(owner_id: int, ids: list[int]):
    return Link.owner_id == owner_id, Link.id.in_(ids)


def _tag(owner_id: int, ids: list[int], name: str) -> int:
    tag = tagging.ensure_tags(owner_id, [name])[0]
    counts = dict(db.session.execute(
        select(link_tags.c.link_id, func.count()).where(link_tags.c.link_id.in_(ids))
        .group_by(link_tags.c.link_id)).all())
    already = set(db.session.scalars(select(link_tags.c.link_id).where(
        link_tags.c.tag_id == tag.id, link_tags.c.link_id.in_(ids))))
    chosen = [link_id for link_id in ids
              if link_id not in already and counts.get(link_id, 0) < tagging.TAGS_PER_LINK_MAX]
    if chosen:
        # A pair added meanwhile (the same action in another tab) is no error.
        db.session.execute(upsert(link_tags).on_conflict_do_nothing(),
                           [{"link_id": link_id, "tag_id": tag.id} for link_id in chosen])
    return len(chosen)


def _untag(owner_id: int, ids: list[int], name: str) -> int:
    tag_id = db.session.scalar(select(Tag.id).where(Tag.owner_id == owner_id,
                                                    Tag.name_key == tagging.tag_key(name)))
    if tag_id is None:
        return 0
    removed = db.session.execute(delete(link_tags).where(
        link_tags.c.tag_id == tag_id, link_tags.c.link_id.in_(ids))).rowcount
    tagging.prune_unused(owner_id)
    return removed


def _set_active(owner_id: int, ids: list[int], active: bool) -> int:
    return db.session.execute(update(Link).where(*_of_owner(owner_id, ids), Link.is_active != active)
                              .values(is_active=active)).rowcount


def _expire(owner_id: int, ids: list[int], expires_at: datetime | None) -> int:
    # A link's start must come before its expiry (rules.option_problems): those that would break it stay.
    fits = true() if expires_at is None else or_(Link.starts_at.is_(None), Link.starts_at < expires_at)
    return db.session.execute(update(Link).where(*_of_owner(owner_id, ids), fits)
                              .values(expires_at=expires_at)).rowcount


def _delete(owner_id: int, ids: list[int]) -> int:
    # Clicks, rollups and tag pairs go by ON DELETE CASCADE, as for one link.
    deleted = db.session.execute(delete(Link).where(*_of_owner(owner_id, ids))).rowcount
    tagging.prune_unused(owner_id)
    return deleted
