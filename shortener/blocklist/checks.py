"""This process's matcher: ``is_blocked`` for link rules and for every redirect.

The matcher hangs off ``app.extensions`` with the version it was built from. At most every
``BLOCKLIST_REFRESH_SECONDS`` one request asks the database for the version (one primary-key
read) and rebuilds the matcher only if it moved; every other call is set lookups. A change made
in this process drops the matcher at once (``invalidate``).
"""

import logging
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from . import store
from .matcher import Matcher

EXTENSION = "blocklist"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Loaded:
    matcher: Matcher
    version: int | None
    next_check: float  # time.monotonic() after which the version is asked again


def is_blocked(url: str) -> bool:
    return current_matcher().blocks(url)


def current_matcher() -> Matcher:
    loaded = current_app.extensions.get(EXTENSION)
    now = time.monotonic()
    if loaded is None or now >= loaded.next_check:
        loaded = _refresh(loaded, now)
        current_app.extensions[EXTENSION] = loaded
    return loaded.matcher


def invalidate() -> None:
    """Rebuild on the next check: this process changed the entries."""
    current_app.extensions.pop(EXTENSION, None)


def _refresh(loaded: _Loaded | None, now: float) -> _Loaded:
    next_check = now + current_app.config["BLOCKLIST_REFRESH_SECONDS"]
    try:
        version = store.current_version()
        if loaded is not None and version == loaded.version:
            return _Loaded(loaded.matcher, version, next_check)
        return _Loaded(Matcher(store.all_patterns()), version, next_check)
    except SQLAlchemyError:
        # The database is down: a cached link must still redirect (README, "When Redis or the
        # database fails"), so keep what this process knew and ask again after the interval.
        db.session.rollback()
        log.warning("could not read the blocklist; keeping this process's %s",
                    "matcher" if loaded else "empty matcher", exc_info=True)
        return _Loaded(loaded.matcher if loaded else Matcher(), loaded.version if loaded else None,
                       next_check)
