"""Click jobs, on the ``clicks`` queue."""

import logging
import time
import uuid

from flask import current_app

from shortener.background.redis_clients import worker_redis
from shortener.clicks import buffer as click_buffer
from shortener.clicks import ranges
from shortener.clicks.fallback import replay_spool
from shortener.clicks.rebuild import rebuild_link_rollups, reenrich_clicks
from shortener.clicks.retention import prune_rollups
from shortener.clicks.storage import save_clicks, save_new_clicks
from shortener.timeutil import utcnow

log = logging.getLogger(__name__)


def record_click(event: dict) -> int:
    """Store one click event; running it again for the same event stores nothing."""
    inserted = save_clicks([event])
    if not inserted:
        log.info("click %s already stored or its link is gone", event.get("id"))
    return inserted


def record_clicks(events: list[dict]) -> list[int]:
    """``record_click`` for many events in one transaction, for a batch of click jobs (the
    worker's ``JobBatch``): each event's result as ``record_click`` would return it."""
    inserted = save_new_clicks(events)
    results = [int(str(uuid.UUID(event["id"])) in inserted) for event in events]
    for event, stored in zip(events, results, strict=True):
        if not stored:
            log.info("click %s already stored or its link is gone", event.get("id"))
    return results


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


def prune_click_rollups() -> dict[str, int]:
    """Forget visitor keys after two days and hourly counts after 90 (daily rollups stay)."""
    pruned = prune_rollups(utcnow())
    log.info("pruned click rollups: %s", pruned)
    return pruned


def roll_breakdown_ranges() -> dict[str, str]:
    """Move the link page's ranges to today (a no-op but after midnight); fill any not filled."""
    report = ranges.roll(utcnow().date())
    if set(report.values()) != {"kept"}:
        log.info("rolled breakdown ranges: %s", report)
    return report


def enrich_stored_clicks(batch_size: int = 1000) -> dict[str, int]:
    """Enrich every stored click again, then rebuild the rollups of the links concerned."""
    clicks, link_ids = reenrich_clicks(batch_size)
    for done, link_id in enumerate(sorted(link_ids), start=1):
        rebuild_link_rollups(link_id, batch_size)
        log.info("rebuilt rollups of link %d (%d of %d links)", link_id, done, len(link_ids))
    return {"clicks": clicks, "links": len(link_ids)}
