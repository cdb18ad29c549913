"""The blocklist's rows: reading them, and changing them with their version in one transaction.

Nothing here commits: the caller (``manage``) does, once the version moved with the rows.
"""

from collections.abc import Collection, Iterable

from sqlalchemy import delete, func, insert, select, update

from ..extensions import db
from .models import ADMIN, FILE, SOURCES, BlocklistEntry, BlocklistVersion

VERSION_ID = 1
# Rows per statement: SQLite allows 32,766 bound parameters, and a 100,000-line file fits in a few.
CHUNK = 5_000


def current_version() -> int | None:
    """The version row's number (None before the first change: emptied or never bumped)."""
    return db.session.scalar(select(BlocklistVersion.version).where(BlocklistVersion.id == VERSION_ID))


def all_patterns() -> list[str]:
    return list(db.session.scalars(select(BlocklistEntry.pattern).distinct()))


def admin_entries(limit: int) -> list[BlocklistEntry]:
    """The admins' entries, newest first, at most ``limit`` (the admin page's list)."""
    return list(db.session.scalars(select(BlocklistEntry).where(BlocklistEntry.source == ADMIN)
                                   .order_by(BlocklistEntry.id.desc()).limit(limit)))


def counts() -> dict[str, int]:
    """Entries per source: the file's may be many, so the page counts them and lists none."""
    rows = db.session.execute(select(BlocklistEntry.source, func.count()).group_by(BlocklistEntry.source))
    return {source: 0 for source in SOURCES} | {source: count for source, count in rows}


def find(source: str, pattern: str) -> BlocklistEntry | None:
    return db.session.scalar(select(BlocklistEntry).where(
        BlocklistEntry.source == source, BlocklistEntry.pattern == pattern))


def file_patterns() -> set[str]:
    return set(db.session.scalars(select(BlocklistEntry.pattern).where(BlocklistEntry.source == FILE)))


def add_file_patterns(patterns: Iterable[str]) -> None:
    rows = [{"pattern": pattern, "source": FILE} for pattern in sorted(patterns)]
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(BlocklistEntry), rows[start:start + CHUNK])


def remove_file_patterns(patterns: Collection[str]) -> None:
    ordered = sorted(patterns)
    for start in range(0, len(ordered), CHUNK):
        db.session.execute(delete(BlocklistEntry).where(
            BlocklistEntry.source == FILE, BlocklistEntry.pattern.in_(ordered[start:start + CHUNK])))


def bump_version() -> None:
    """One more than before, in the caller's transaction (the row is made if missing)."""
    moved = db.session.execute(update(BlocklistVersion).where(BlocklistVersion.id == VERSION_ID)
                               .values(version=BlocklistVersion.version + 1)).rowcount
    if not moved:
        db.session.add(BlocklistVersion(id=VERSION_ID, version=1))
