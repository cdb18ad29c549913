"""Tags: the labels an owner puts on links, their rules and their queries. No HTTP.

Every rule of a tag is here, and the web form, the API, the CSV import and the bulk actions call
it: each raises ``LinkRuleError`` naming the field ("tags"), as the other link rules do
(shortener.links.rules). A tag is unique per owner whatever its case, and shown as first typed.
"""

import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import ColumnElement, delete, exists, func, select

from ..database import upsert
from ..extensions import db
from ..timeutil import utcnow
from .models import Link, Tag, link_tags
from .rules import LinkRuleError

TAG_MAX_LENGTH = 32  # Tag.name and Tag.name_key
TAGS_PER_LINK_MAX = 10
# Besides letters and digits (of any script): what slugs and file names use.
TAG_PUNCTUATION = frozenset("-_.")
TAG_RULE = (f"Use 1 to {TAG_MAX_LENGTH} letters, digits, '-', '_' or '.', starting with a letter "
            "or a digit (no spaces: 'social-media').")


class TagTotal(NamedTuple):
    name: str
    links: int
    clicks: int  # human clicks, as Link.click_count


def tag_key(name: str) -> str:
    """What makes two names one tag: their lower case."""
    return name.lower()


def split_tags(text: str) -> list[str]:
    """The names in a comma-separated list as typed (form fields, CSV cells), blanks dropped."""
    return [piece.strip() for piece in text.split(",") if piece.strip()]


def check_tag(name: object, field: str = "tags") -> str:
    """The name as stored (trimmed, in Unicode's composed form); raises LinkRuleError."""
    if not isinstance(name, str):
        raise LinkRuleError(field, "A tag must be text.")
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise LinkRuleError(field, "A tag cannot be empty.")
    allowed = all(char.isalnum() or char in TAG_PUNCTUATION for char in name)
    # A key longer than the name ('İ' lowers to two characters) must still fit its column.
    fits = max(len(name), len(tag_key(name))) <= TAG_MAX_LENGTH
    if not (allowed and fits and name[0].isalnum()):
        raise LinkRuleError(field, f"{name[:40]!r} is not a tag. {TAG_RULE}")
    return name


def check_tags(names: Iterable[object], field: str = "tags") -> list[str]:
    """A link's tags as stored: each checked, repeats (in any case) dropped, at most
    TAGS_PER_LINK_MAX; raises LinkRuleError."""
    kept: dict[str, str] = {}
    for name in names:
        checked = check_tag(name, field)
        kept.setdefault(tag_key(checked), checked)
    if len(kept) > TAGS_PER_LINK_MAX:
        raise LinkRuleError(field, f"A link has at most {TAGS_PER_LINK_MAX} tags ({len(kept)} given).")
    return list(kept.values())


def clean_filter(value: object) -> str:
    """The key of a tag to filter by, from a query string; '' for none. Never an error: a name
    no tag has simply matches no link."""
    if not isinstance(value, str):
        return ""
    # PostgreSQL refuses NUL in a string; no tag holds one.
    return tag_key(unicodedata.normalize("NFC", value.replace("\x00", "").strip()))[:TAG_MAX_LENGTH * 2]


# --- queries ---------------------------------------------------------------------------------------

def tagged(key: str) -> ColumnElement[bool]:
    """A condition on Link: it carries the tag of this key."""
    return Link.tags.any(Tag.name_key == key)


def tag_contains(text: str) -> ColumnElement[bool]:
    """A condition on Link: one of its tags contains ``text`` (any case, % and _ literally)."""
    return Link.tags.any(Tag.name_key.contains(tag_key(text), autoescape=True))


def ensure_tags(owner_id: int, names: list[str]) -> list[Tag]:
    """The owner's tags of these (checked) names, in their order, created if new (not committed).

    An insert that skips the names already there: two requests adding the same new tag at once
    both succeed, and a tag keeps the case it was first typed in.
    """
    if not names:
        return []
    rows = [{"owner_id": owner_id, "name": name, "name_key": tag_key(name), "created_at": utcnow()}
            for name in names]
    db.session.execute(_insert_missing(), rows)
    keys = [row["name_key"] for row in rows]
    found = {tag.name_key: tag for tag in db.session.scalars(
        select(Tag).where(Tag.owner_id == owner_id, Tag.name_key.in_(keys)))}
    return [found[key] for key in keys]


def _insert_missing():
    return upsert(Tag.__table__).on_conflict_do_nothing(index_elements=["owner_id", "name_key"])


def prune_unused(owner_id: int) -> None:
    """Delete the owner's tags that no link carries any more (not committed), so a name typed
    again later takes its new case, and the table holds only tags in use."""
    in_use = exists().where(link_tags.c.tag_id == Tag.id)
    db.session.execute(delete(Tag).where(Tag.owner_id == owner_id, ~in_use))


def tag_totals(owner_id: int) -> list[TagTotal]:
    """Each tag of the owner in use, with its links and their human clicks, most links first."""
    links = func.count(Link.id)
    rows = db.session.execute(
        select(Tag.name, links, func.coalesce(func.sum(Link.click_count), 0))
        .join(link_tags, link_tags.c.tag_id == Tag.id)
        .join(Link, Link.id == link_tags.c.link_id)
        .where(Tag.owner_id == owner_id)
        .group_by(Tag.id, Tag.name, Tag.name_key)
        .order_by(links.desc(), Tag.name_key)
    )
    return [TagTotal(name, int(count), int(clicks)) for name, count, clicks in rows]


def owner_tag_names(owner_id: int) -> list[str]:
    """Every tag of the owner in use, in name order (for suggestions while typing)."""
    in_use = exists().where(link_tags.c.tag_id == Tag.id)
    return list(db.session.scalars(
        select(Tag.name).where(Tag.owner_id == owner_id, in_use).order_by(Tag.name_key)))


def names_of(link: Link) -> list[str]:
    return [tag.name for tag in link.tags]
