"""Changing the blocklist: the admin page's add and remove, and the file's periodic sync.

Each change commits the rows with a new version, then drops this process's matcher; other
processes see the version move within BLOCKLIST_REFRESH_SECONDS.
"""

import logging
from dataclasses import dataclass

from ..extensions import db
from . import checks, store
from .entries import InvalidEntry, parse_entry
from .models import ADMIN, BlocklistEntry

log = logging.getLogger(__name__)


class EntryExists(ValueError):
    """The admin already listed this pattern."""


def add_entry(text: str, note: str | None, user_id: int | None) -> BlocklistEntry:
    """Add the admin's entry; raises InvalidEntry or EntryExists, with a message for the page."""
    pattern = parse_entry(text)
    if store.find(ADMIN, pattern) is not None:
        raise EntryExists(f"{pattern} is already on the blocklist.")
    entry = BlocklistEntry(pattern=pattern, source=ADMIN, note=note or None, created_by_id=user_id)
    db.session.add(entry)
    store.bump_version()
    db.session.commit()
    checks.invalidate()
    return entry


def remove_entry(entry_id: int) -> str | None:
    """Remove the admin's entry ``entry_id``; its pattern, or None if there was none.
    The file's entries go only with their line (the next sync)."""
    entry = db.session.get(BlocklistEntry, entry_id)
    if entry is None or entry.source != ADMIN:
        return None
    db.session.delete(entry)
    store.bump_version()
    db.session.commit()
    checks.invalidate()
    return entry.pattern


@dataclass(frozen=True)
class FileSync:
    added: int
    removed: int
    invalid: int  # lines that are no entry, skipped (and logged)


def sync_file(path: str | None) -> FileSync:
    """Make the file's entries in the table those of ``path`` (None: no file, none).
    Raises OSError if the file cannot be read: its entries then stay as they were."""
    wanted, invalid = read_file(path) if path else (set(), 0)
    present = store.file_patterns()
    gone, new = present - wanted, wanted - present
    if gone or new:
        store.remove_file_patterns(gone)
        store.add_file_patterns(new)
        store.bump_version()
        db.session.commit()
        checks.invalidate()
    return FileSync(len(new), len(gone), invalid)


def read_file(path: str) -> tuple[set[str], int]:
    """(patterns, invalid lines) of ``path``: one entry a line; blank lines and # comments skipped."""
    patterns, invalid = set(), 0
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                patterns.add(parse_entry(line))
            except InvalidEntry as exc:
                invalid += 1
                if invalid <= 10:  # a file of garbage must not flood the log
                    log.warning("blocklist file %s, line %d skipped: %s", path, number, exc)
    return patterns, invalid
