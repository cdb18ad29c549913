"""Admins' side of users: search them, see their volume, disable, enable, delete.

Every change writes its audit entry in the same transaction. A disabled user cannot log in,
their logins and API tokens stop working (the loaders check the flag) and their links answer
410; enabling gives all of that back. Deleting removes the user and, by the schema's ON DELETE
CASCADE, everything they own.
"""

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import delete, func, or_, select

from ..accounts.models import User, UserSession
from ..api.models import ApiToken
from ..extensions import db
from ..links.models import Link, LinkImport, Tag
from ..timeutil import utcnow
from . import audit
from .audit import ModerationError

MAX_QUERY = 200  # longer than any name or address; a longer search is cut


@dataclass(frozen=True)
class Volume:
    links: int = 0
    human_clicks: int = 0
    bot_clicks: int = 0


@dataclass(frozen=True)
class Belongings:
    """What deleting a user deletes with them (clicks: the stored rows their links counted)."""

    links: int
    human_clicks: int
    bot_clicks: int
    tags: int
    imports: int
    api_tokens: int
    sessions: int


def clean_query(value: object) -> str:
    return value.replace("\x00", "").strip()[:MAX_QUERY] if isinstance(value, str) else ""


def search(query: str, page: int, per_page: int) -> Pagination:
    """One page of the users whose name or email contains ``query`` (any case), newest first."""
    stmt = select(User).order_by(User.id.desc())
    if query:
        # autoescape: % and _ in the text are searched for literally.
        stmt = stmt.where(or_(User.username.icontains(query, autoescape=True),
                              User.email.icontains(query, autoescape=True)))
    page = min(max(page, 1), audit.MAX_PAGE)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def volumes(user_ids: list[int]) -> dict[int, Volume]:
    """Links and clicks (denormalized totals) of each user, one query for a whole page."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Link.owner_id, func.count(Link.id), func.coalesce(func.sum(Link.click_count), 0),
               func.coalesce(func.sum(Link.bot_count), 0))
        .where(Link.owner_id.in_(user_ids)).group_by(Link.owner_id))
    return {owner: Volume(links, int(humans), int(bots)) for owner, links, humans, bots in rows}


def get(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def belongings(user: User) -> Belongings:
    volume = volumes([user.id]).get(user.id, Volume())

    def count(model, column, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(column == user.id, *where))

    return Belongings(
        links=volume.links, human_clicks=volume.human_clicks, bot_clicks=volume.bot_clicks,
        tags=count(Tag, Tag.owner_id), imports=count(LinkImport, LinkImport.owner_id),
        api_tokens=count(ApiToken, ApiToken.owner_id, ApiToken.revoked_at.is_(None)),
        sessions=count(UserSession, UserSession.user_id, UserSession.revoked_at.is_(None)),
    )


def _check_other(admin: User, user: User) -> None:
    if admin.id == user.id:
        raise ModerationError("You cannot do this to your own account.")


def disable(admin: User, user: User, reason: str) -> None:
    """Disable ``user`` and log it; commits. ModerationError: self, already disabled, no reason."""
    _check_other(admin, user)
    if user.disabled_at is not None:
        raise ModerationError(f"{user.username} is disabled already.")
    audit.record(admin, "user.disable", user, reason)
    user.disabled_at = utcnow()
    db.session.commit()


def enable(admin: User, user: User, reason: str) -> None:
    """Enable ``user`` again and log it; commits."""
    if user.disabled_at is None:
        raise ModerationError(f"{user.username} is not disabled.")
    audit.record(admin, "user.enable", user, reason)
    user.disabled_at = None
    db.session.commit()


def delete_user(admin: User, user: User, reason: str) -> None:
    """Delete ``user`` with everything they own and log it; commits.

    The database deletes their links (and so clicks and rollups), tags, imports, tokens, logins
    and reset links (ON DELETE CASCADE); audit entries they wrote as an admin keep their name.
    """
    _check_other(admin, user)
    audit.record(admin, "user.delete", user, reason)
    user_id = user.id
    db.session.expunge(user)  # deleted below, in SQL: the session must not flush it afterwards
    db.session.execute(delete(User).where(User.id == user_id))
    db.session.commit()
