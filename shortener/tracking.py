"""Recording a click: the one place the redirect hands a click to.

``CLICK_TRACKING`` picks the path: ``job`` (one RQ job per click), ``buffer``
(a Redis list drained in batches), ``sync`` (a write in the request) or
``off``. Whatever fails on the way, the redirect still answers and the click
is kept: Redis trouble falls back to a direct database insert, and a database
failure on top of that to the local spool, replayed later. Each step is
idempotent by the click's UUID, so no path counts a click twice.
"""

import logging
import threading
import time

from flask import current_app, request
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from . import click_buffer, clicks, spool
from .ips import anonymize_ip
from .queues import CLICKS, enqueue
from .redis_clients import state as redis_state
from .timeutil import utcnow

log = logging.getLogger(__name__)


class RateLimitedLog:
    """Log a warning at most once per ``interval`` seconds per key, with a count of the rest."""

    def __init__(self, interval: float = 60.0):
        self.interval = interval
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def warning(self, key: str, message: str, *args) -> None:
        now = time.monotonic()
        if now - self._last.get(key, float("-inf")) < self.interval:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return
        suppressed = self._suppressed.pop(key, 0)
        self._last[key] = now
        suffix = f" ({suppressed} similar since the last warning)" if suppressed else ""
        log.warning(message + suffix, *args)


warnings = RateLimitedLog()


def track_click(link_id: int) -> None:
    """Record a click on ``link_id`` from the current request, by the configured mode."""
    mode = current_app.config["CLICK_TRACKING"]
    if mode == "off":
        return
    event = event_from_request(link_id)
    if mode == "sync":
        store_or_spool(event)
    elif mode == "job":
        _via_redis(event, enqueue_click)
    else:
        _via_redis(event, _push_to_buffer)


def event_from_request(link_id: int) -> dict:
    ip = anonymize_ip(request.remote_addr, current_app.config["IP_ANONYMIZATION"])
    return clicks.new_event(
        link_id, utcnow(), request.referrer, request.user_agent.string, ip
    )


def enqueue_click(event: dict, *, web: bool = True) -> bool:
    """Queue ``record_click`` for ``event``; the click id doubles as job id (never two jobs)."""
    enqueue(CLICKS, "jobs.clicks.record_click", event, web=web, job_id=f"click-{event['id']}")
    return True


def _push_to_buffer(event: dict) -> bool:
    config = current_app.config
    pushed, flush_claimed = click_buffer.push(
        redis_state().web, event, config["CLICK_BUFFER_MAX"], config["CLICK_BATCH_SIZE"]
    )
    if not pushed:
        warnings.warning(
            "buffer-full", "click buffer is full (CLICK_BUFFER_MAX=%s): writing clicks directly",
            config["CLICK_BUFFER_MAX"],
        )
        return False
    if flush_claimed:
        enqueue(CLICKS, "jobs.clicks.flush_click_buffer", retry=None)
    return True


def _via_redis(event: dict, send) -> None:
    breaker = redis_state().breaker
    if breaker.allows():
        try:
            if send(event):
                breaker.record_success()
                return
        except RedisError as exc:
            breaker.record_failure()
            warnings.warning("redis", "Redis unavailable (%s): recording clicks directly", exc)
    store_or_spool(event)


def store_or_spool(event: dict) -> None:
    """Write the click now; if the database fails too, append it to the local spool."""
    try:
        clicks.save_clicks([event])
    except SQLAlchemyError as exc:
        warnings.warning("database", "database unavailable (%s): spooling clicks locally", exc)
        _spool(event)


def _spool(event: dict) -> None:
    try:
        spool.append(current_app.config["CLICK_SPOOL_DIR"], event)
    except OSError:
        # Nothing is left to fall back on; the visitor still gets the redirect.
        log.exception("click %s lost: Redis, the database and the spool all failed", event["id"])
        return
    _ensure_spool_drainer(current_app._get_current_object())


# The process that spooled replays its own spool: on hosts whose disk the
# workers do not share (Heroku dynos), nobody else could.
_drainers_lock = threading.Lock()
_drainers: dict[str, threading.Thread] = {}  # spool folder -> its drainer


def _ensure_spool_drainer(app) -> None:
    folder = app.config["CLICK_SPOOL_DIR"]
    with _drainers_lock:
        drainer = _drainers.get(folder)
        if drainer is None or not drainer.is_alive():
            drainer = threading.Thread(target=drain_spool, args=(app,), name="click-spool-drainer",
                                       daemon=True)
            _drainers[folder] = drainer
            drainer.start()


def drain_spool(app) -> None:
    """Replay the spool every CLICK_SPOOL_REPLAY_INTERVAL seconds until it is empty."""
    from jobs.clicks import replay_click_spool

    folder = app.config["CLICK_SPOOL_DIR"]
    while spool.pending(folder):
        time.sleep(app.config["CLICK_SPOOL_REPLAY_INTERVAL"])
        with app.app_context():
            try:
                replay_click_spool()
            except SQLAlchemyError as exc:  # still down: the next round tries again
                warnings.warning("spool-replay", "spool replay failed, will retry: %s", exc)


def pending_counts() -> dict[str, int | None]:
    """Clicks accepted but not stored yet, by where they wait (None: Redis unreachable)."""
    from .queues import get_queue

    counts: dict[str, int | None] = {"spool": spool.pending(current_app.config["CLICK_SPOOL_DIR"])}
    counts["queue"] = counts["buffer"] = None
    breaker = redis_state().breaker
    if not breaker.allows():
        return counts
    try:
        counts["queue"] = get_queue(CLICKS).count
        counts["buffer"] = click_buffer.pending(redis_state().web)
    except RedisError:
        breaker.record_failure()
    return counts
