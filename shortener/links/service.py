"""Links of one owner: list, find, create, update, delete. Knows nothing about HTTP.

Every function takes the owner's id, so a link of someone else is never
found, changed or deleted: to the caller it does not exist.
"""

from collections.abc import Sequence

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..accounts.users import hash_password
from ..extensions import db
from . import tags as tagging
from . import titles
from .models import Link
from .rules import (  # noqa: F401  (the rules' names, as callers of this module knew them)
    CLICK_LIMIT_MAX,
    DEFAULT_REDIRECT_CODE,
    LINK_PASSWORD_MIN_LENGTH,
    REDIRECT_CODES,
    TITLE_MAX_LENGTH,
    LinkOptions,
    LinkRuleError,
    check_new_expiry,
    check_options,
    check_title,
    option_problems,
)
from .slugs import save_new_link

# Far past any real dashboard, and far below where OFFSET overflows 64 bits.
MAX_PAGE = 1_000_000
# The one error type of every link rule (shortener.links.rules), under its older names.
InvalidLink = LinkOptionError = LinkRuleError


# Longer than any slug or title; a longer search is cut, not refused.
MAX_QUERY = 200
# The dashboard's orders; the id breaks ties so pages never overlap.
SORTS = {
    "newest": (Link.created_at.desc(), Link.id.desc()),
    "clicks": (Link.click_count.desc(), Link.id.desc()),
    "recent": (Link.last_clicked_at.desc().nulls_last(), Link.id.desc()),
}
DEFAULT_SORT = "newest"


def apply_options(link: Link, options: LinkOptions) -> None:
    """Set ``options`` on ``link`` (not committed); raises LinkRuleError (every problem in it)."""
    _set_options(link, check_options(options, link.expires_at))


def _set_options(link: Link, options: LinkOptions) -> None:
    link.starts_at = options.starts_at
    link.click_limit = options.click_limit
    link.redirect_code = options.redirect_code
    link.forward_query = options.forward_query
    link.public_stats = options.public_stats
    if options.remove_password:
        link.password_hash = None
    elif options.password:
        link.password_hash = hash_password(options.password)


def options_of(link: Link) -> LinkOptions:
    """The link's current options (without its password, which is only a hash)."""
    return LinkOptions(link.starts_at, link.click_limit, link.redirect_code, link.forward_query,
                       link.public_stats)


def parse_sort(value: object) -> str:
    """A known sort name; anything else is the default order."""
    return value if isinstance(value, str) and value in SORTS else DEFAULT_SORT


def clean_query(value: object) -> str:
    """The search text as typed, trimmed and cut to MAX_QUERY; '' for none."""
    # PostgreSQL refuses NUL in a string; no slug, title or target holds one.
    return value.replace("\x00", "").strip()[:MAX_QUERY] if isinstance(value, str) else ""


def list_links(owner_id: int, page: int, per_page: int, query: str = "",
               sort: str = DEFAULT_SORT, tag: str = "") -> Pagination:
    """One page of the owner's links matching ``query`` (and carrying ``tag``, a tag's key), in
    ``sort`` order (past the last: empty)."""
    page = min(max(page, 1), MAX_PAGE)
    return db.paginate(links_query(owner_id, query, sort, tag), page=page, per_page=per_page,
                       error_out=False)


def links_query(owner_id: int, query: str = "", sort: str = DEFAULT_SORT, tag: str = "") -> Select:
    """The owner's links whose slug, title, target or a tag contains ``query`` (any case) and that
    carry the tag of key ``tag``, ordered; their tags come in one more query for them all."""
    stmt = (select(Link).where(Link.owner_id == owner_id).order_by(*SORTS[parse_sort(sort)])
            .options(selectinload(Link.tags)))
    if query:
        # autoescape: % and _ in the text are searched for literally.
        stmt = stmt.where(or_(*(column.icontains(query, autoescape=True)
                                for column in (Link.slug, Link.title, Link.target_url)),
                              tagging.tag_contains(query)))
    if tag:
        stmt = stmt.where(tagging.tagged(tag))
    return stmt


def public_link(username: str, slug: str) -> Link | None:
    """The link at ``username/slug`` (any case) if its owner made its stats public, else None."""
    return db.session.scalar(
        select(Link).join(User, User.id == Link.owner_id)
        .where(User.username == username.lower(), Link.slug_key == slug.lower(), Link.public_stats,
               Link.admin_disabled_at.is_(None), User.disabled_at.is_(None))  # an admin's disable hides it
    )


def get_link(owner_id: int, link_id: int) -> Link | None:
    return db.session.scalar(select(Link).where(Link.id == link_id, Link.owner_id == owner_id))


def create_link(owner_id: int, target_url: str, title: str | None = None, expires_at=None,
                slug: str | None = None, options: LinkOptions | None = None,
                tags: Sequence[str] = ()) -> Link:
    """Create and commit a link under ``slug`` or a random one, with ``tags`` (names).

    Raises LinkRuleError (SlugTaken for a slug the owner already uses). Without a title, a job
    fetches the target page's one.
    """
    link = Link(owner_id=owner_id, target_url=target_url, title=title, expires_at=expires_at)
    apply_options(link, options or LinkOptions())
    names = tagging.check_tags(tags)
    if names:
        link.tags = tagging.ensure_tags(owner_id, names)
        # The tags first, on their own: a slug taken rolls the link's insert back, never them.
        db.session.commit()
    save_new_link(link, slug)
    if not link.title:
        titles.request_title(link.id)
    return link


EDITABLE = frozenset({"target_url", "title", "expires_at", "is_active"})


def update_link(link: Link, options: LinkOptions | None = None,
                tags: Sequence[str] | None = None, **fields) -> None:
    """Change ``fields`` (target_url, title, expires_at, is_active), ``options`` and ``tags``
    (the link's whole list of names; None keeps it); commit.

    Raises LinkRuleError (every problem of the options in it) before changing anything.
    """
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if options is not None:  # checked once, with the expiry the link will have
        check_options(options, fields.get("expires_at", link.expires_at))
    names = None if tags is None else tagging.check_tags(tags)
    for name, value in fields.items():
        setattr(link, name, value)
    if options is not None:
        _set_options(link, options)
    if names is not None:
        link.tags = tagging.ensure_tags(link.owner_id, names)
        db.session.flush()
        tagging.prune_unused(link.owner_id)
    db.session.commit()


def delete_link(link: Link) -> None:
    db.session.delete(link)  # its clicks and daily counts go by ON DELETE CASCADE
    db.session.commit()
