"""Logging: configured once by the app factory, one line per event, with context.

Every line of a request carries its request id (``X-Request-ID`` when the
client sent a sane one, else a new one; echoed in the response), every line
of a job its id and queue. ``LOG_FORMAT=json`` gives one JSON object per line.
"""

import contextvars
import logging
import re
import sys
import time
import uuid

from pythonjsonlogger.json import JsonFormatter
from rq import get_current_job

HANDLER_NAME = "shortener"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# The id of the request this thread serves. A context variable, not app state:
# its value belongs to one request and is reset when the request ends.
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


class ContextFilter(logging.Filter):
    """Adds request_id, job_id and queue (None when not in a request or job) to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        job = get_current_job()
        record.job_id = job.id if job else None
        record.queue = job.origin if job else None
        parts = [f"{name}={value}" for name, value in
                 (("request", record.request_id), ("job", record.job_id), ("queue", record.queue)) if value]
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return True


class _CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def make_formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "name": "logger"},
                             static_fields={}, reserved_attrs=[*_RESERVED, "context"])
    return logging.Formatter(TEXT_FORMAT)


_RESERVED = [name for name in vars(logging.makeLogRecord({})) if name not in ("message", "asctime")]


def configure(level: str, log_format: str) -> None:
    """Install our one handler on the root logger (replacing ours from an earlier app)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    handler = _CurrentStderrHandler()
    handler.set_name(HANDLER_NAME)
    handler.addFilter(ContextFilter())
    handler.setFormatter(make_formatter(log_format))
    root.addHandler(handler)
    root.setLevel(level)


def request_id_from(header: str | None) -> str:
    """The client's id when it is sane (short, no spaces or control characters), else a new one."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """WSGI middleware: binds the request id for the request's log lines and returns it as a header."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        environ["HTTP_X_REQUEST_ID"] = request_id

        def start_with_id(status, headers, exc_info=None):
            headers = [(name, value) for name, value in headers if name.lower() != "x-request-id"]
            return start_response(status, [*headers, ("X-Request-ID", request_id)], exc_info)

        token = _request_id.set(request_id)
        try:
            return self.wsgi_app(environ, start_with_id)
        finally:
            _request_id.reset(token)


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
