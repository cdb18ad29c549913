"""Clicks accepted but not stored yet: the "N clicks on their way" of the pages."""

import logging

from flask import current_app
from redis.exceptions import RedisError

from ..background.queues import CLICKS, get_queue
from ..background.redis_clients import state as redis_state
from . import buffer, spool

log = logging.getLogger(__name__)


def pending_counts() -> dict[str, int | None]:
    """Clicks not stored yet, by where they wait (None: Redis unreachable)."""
    counts: dict[str, int | None] = {"spool": spool.pending(current_app.config["CLICK_SPOOL_DIR"])}
    counts["queue"] = counts["buffer"] = None
    breaker = redis_state().breaker
    if not breaker.allows():
        return counts
    try:
        counts["queue"] = get_queue(CLICKS).count
        counts["buffer"] = buffer.pending(redis_state().web)
    except RedisError:
        breaker.record_failure()
    return counts


def clicks_in_flight() -> int:
    """Clicks accepted site-wide but not stored yet, as far as can be seen cheaply.

    Redis being down hides its part (counted as 0); the notice this feeds is a
    hint, so it must never break the page that shows it.
    """
    try:
        counts = pending_counts()
    except OSError as exc:
        # The spool can be renamed by a replay while it is being counted.
        log.warning("could not count pending clicks: %s", exc)
        return 0
    return sum(count for count in counts.values() if count)
