"""Where a click goes when Redis fails: the database, then the local spool.

The process that spooled replays its own spool in a background thread: on
hosts whose disk the workers do not share (Heroku dynos), nobody else could.
"""

import logging
import threading
import time

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from . import spool
from .outage_log import warn
from .storage import save_clicks

log = logging.getLogger(__name__)


class FallbackState:
    """Per app: the spool drainer threads (one per spool folder)."""

    def __init__(self):
        self.drainers: dict[str, threading.Thread] = {}
        self.lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions["click_fallback"] = FallbackState()


def state() -> FallbackState:
    return current_app.extensions["click_fallback"]


def store_or_spool(event: dict) -> None:
    """Write the click now; if the database fails too, append it to the local spool."""
    try:
        save_clicks([event])
    except SQLAlchemyError as exc:
        warn("database", "database unavailable (%s): spooling clicks locally", exc)
        _spool(event)


def _spool(event: dict) -> None:
    try:
        spool.append(current_app.config["CLICK_SPOOL_DIR"], event)
    except OSError:
        # Nothing is left to fall back on; the visitor still gets the redirect.
        log.exception("click %s lost: Redis, the database and the spool all failed", event["id"])
        return
    _ensure_spool_drainer(current_app._get_current_object())


def replay_spool() -> int:
    """Store every spooled click (idempotent); return how many were new."""
    config = current_app.config
    return spool.replay(config["CLICK_SPOOL_DIR"], save_clicks, config["CLICK_BATCH_SIZE"])


def _ensure_spool_drainer(app: Flask) -> None:
    folder = app.config["CLICK_SPOOL_DIR"]
    fallback = app.extensions["click_fallback"]
    with fallback.lock:
        drainer = fallback.drainers.get(folder)
        if drainer is None or not drainer.is_alive():
            drainer = threading.Thread(target=drain_spool, args=(app,), name="click-spool-drainer",
                                       daemon=True)
            fallback.drainers[folder] = drainer
            drainer.start()


def drain_spool(app: Flask) -> None:
    """Replay the spool every CLICK_SPOOL_REPLAY_INTERVAL seconds until it is empty."""
    folder = app.config["CLICK_SPOOL_DIR"]
    while spool.pending(folder):
        time.sleep(app.config["CLICK_SPOOL_REPLAY_INTERVAL"])
        with app.app_context():
            try:
                stored = replay_spool()
            except SQLAlchemyError as exc:  # still down: the next round tries again
                warn("spool-replay", "spool replay failed, will retry: %s", exc)
            else:
                if stored:
                    log.warning("replayed %d spooled clicks", stored)
