"""Recording a click: the one place the redirect hands a click to.

``CLICK_TRACKING`` picks the path: ``job`` (one RQ job per click), ``buffer``
(a Redis list drained in batches), ``sync`` (a write in the request) or
``off``. Whatever fails on the way, the redirect still answers and the click
is kept: Redis trouble falls back to a direct database insert, and a database
failure on top of that to the local spool (``fallback``). Each step is
idempotent by the click's UUID, so no path counts a click twice.
"""

import time

from flask import Flask, current_app
from redis.exceptions import RedisError

from ..background.queues import CLICK_JOB_ID_PREFIX, CLICKS, enqueue, enqueue_counting
from ..background.redis_clients import state as redis_state
from ..timeutil import utcnow
from . import buffer
from .events import new_event
from .fallback import store_or_spool
from .ips import anonymize_ip
from .outage_log import warn
from .visitors import key_for_click

# Once the click queue is past CLICK_QUEUE_MAX, a process writes clicks directly this long
# before it enqueues (and so reads the queue's length) again.
QUEUE_FULL_RECHECK_SECONDS = 1.0


class QueueGate:
    """Per app: shut for ``seconds`` once the click queue was found full, so that meanwhile this
    process writes its clicks directly without enqueueing (and looking at the length) again."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._shut_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() >= self._shut_until

    def shut(self) -> None:
        self._shut_until = time.monotonic() + self.seconds


def init_app(app: Flask) -> None:
    app.extensions["click_queue_gate"] = QueueGate(QUEUE_FULL_RECHECK_SECONDS)


def track_click(link_id: int, remote_addr: str | None, referrer: str | None,
                user_agent: str | None, source: str | None = None) -> None:
    """Record a click on ``link_id`` by the configured mode; never raises for Redis or the database."""
    config = current_app.config
    mode = config["CLICK_TRACKING"]
    if mode == "off":
        return
    now = utcnow()
    # The full address goes into the hash only; what is stored is anonymized.
    key = key_for_click(link_id, remote_addr, user_agent, now)
    ip = anonymize_ip(remote_addr, config["IP_ANONYMIZATION"])
    event = new_event(link_id, now, referrer, user_agent, ip, visitor_key=key, source=source)
    if mode == "sync":
        store_or_spool(event)
    elif mode == "job":
        _via_redis(event, _enqueue_below_max)
    else:
        _via_redis(event, _push_to_buffer)


def enqueue_click(event: dict, *, web: bool = True) -> int:
    """Queue ``record_click`` for ``event``; the click id doubles as job id (never two jobs).

    Returns how many click jobs wait, this one included, read in the same round trip.
    """
    _job, waiting = enqueue_counting(CLICKS, "jobs.clicks.record_click", event, web=web,
                                     job_id=f"{CLICK_JOB_ID_PREFIX}{event['id']}")
    return waiting


def _enqueue_below_max(event: dict) -> bool:
    """Enqueue the click unless the queue was found full a moment ago: job mode's bound, like the
    buffer's. The length is read in the enqueue's own round trip and acted on from the next click."""
    gate = current_app.extensions["click_queue_gate"]
    if not gate.is_open():
        return False
    maximum = current_app.config["CLICK_QUEUE_MAX"]
    waiting = enqueue_click(event)
    if waiting >= maximum:
        gate.shut()
        warn("queue-full", "click queue holds %s jobs (CLICK_QUEUE_MAX=%s): writing clicks directly",
             waiting, maximum)
    return True


def _push_to_buffer(event: dict) -> bool:
    config = current_app.config
    pushed, flush_claimed = buffer.push(
        redis_state().web, event, config["CLICK_BUFFER_MAX"], config["CLICK_BATCH_SIZE"]
    )
    if not pushed:
        warn("buffer-full", "click buffer is full (CLICK_BUFFER_MAX=%s): writing clicks directly",
             config["CLICK_BUFFER_MAX"])
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
            warn("redis", "Redis unavailable (%s): recording clicks directly", exc)
    store_or_spool(event)
