"""Logging helpers shared by the app's modules."""

import logging
import time


class RateLimitedLog:
    """Log a warning at most once per ``interval`` seconds per key, with a count of the rest.

    A failing Redis or database would otherwise log once per redirect.
    """

    def __init__(self, logger: logging.Logger, interval: float = 60.0):
        self.logger = logger
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
        self.logger.warning(message + suffix, *args)
