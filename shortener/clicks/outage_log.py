"""Warnings of the click path's outages (Redis or the database down, the queue or buffer full, no
visitor salt), rate limited per app: an outage logs once a minute, not once per redirect."""

import logging

from flask import Flask, current_app

from ..logs import RateLimitedLog

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.extensions["click_outage_log"] = RateLimitedLog(log)


def warn(key: str, message: str, *args) -> None:
    """Log ``message`` unless a warning of ``key`` was logged within the last minute."""
    current_app.extensions["click_outage_log"].warning(key, message, *args)
