"""Click jobs, on the ``clicks`` queue."""

import logging
import time

from flask import current_app

from shortener.background.redis_clients import worker_redis
from shortener.clicks import buffer as click_buffer
from shortener.clicks.fallback import replay_spool
from shortener.clicks.storage import save_clicks

log = logging.getLogger(__name__)


def record_click(event: dict) -> int:
    """Store one click event; running it again for the same event stores nothing."""
    inserted = save_clicks([event])
    if not inserted:
        log.info("click %s already stored or its link is gone", event.get("id"))
    return inserted


def flush_click_buffer() -> int:
    """Drain the click buffer in batches until it is empty or the time budget is spent."""
    config = current_app.config
    client = worker_redis()
    click_buffer.release_flush_slot(client)
    started = time.monotonic()
    deadline = started + config["CLICK_FLUSH_TIME_BUDGET"]
    stored = 0
    while time.monotonic() < deadline:
        key, events = click_buffer.claim_batch(client, config["CLICK_BATCH_SIZE"])
        if not events:
            break
        try:
            stored += save_clicks(events)
        except Exception:
            # Give the batch back now; if even that fails (or the process dies
            # here), cleanup_click_buffer returns it after CLICK_BUFFER_TIMEOUT.
            click_buffer.requeue(client, key)
            raise
        click_buffer.ack(client, key)
    # One line per flush; an empty one every few seconds is routine, not news.
    log.log(logging.INFO if stored else logging.DEBUG, "flush stored %d clicks in %.3f s",
            stored, time.monotonic() - started)
    return stored


def cleanup_click_buffer() -> int:
    """Return batches of flushes that died (older than CLICK_BUFFER_TIMEOUT) to the buffer."""
    moved = click_buffer.requeue_stale(worker_redis(), current_app.config["CLICK_BUFFER_TIMEOUT"])
    if moved:
        log.warning("requeued %d clicks from abandoned buffer flushes", moved)
    return moved


def replay_click_spool() -> int:
    """Store clicks spooled while Redis and the database were down."""
    stored = replay_spool()
    if stored:
        log.warning("replayed %d spooled clicks", stored)
    return stored
