"""shortener/logs.py: a warning repeated during an outage is logged once per interval."""

import logging
from types import SimpleNamespace

import pytest

from shortener import logs


@pytest.fixture
def clock(monkeypatch):
    """The monotonic clock RateLimitedLog reads, stepped by the test: ``clock.now += 60``."""
    fake = SimpleNamespace(now=1000.0)
    monkeypatch.setattr(logs, "time", SimpleNamespace(monotonic=lambda: fake.now))
    return fake


@pytest.fixture
def limited(caplog):
    caplog.set_level(logging.WARNING, logger="tests.limited")
    return logs.RateLimitedLog(logging.getLogger("tests.limited"), interval=60)


def messages(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "tests.limited"]


def test_repeats_within_the_interval_are_counted_not_logged(clock, limited, caplog):
    for _ in range(3):
        limited.warning("redis", "Redis unavailable: %s", "refused")
    clock.now += 59.9
    limited.warning("redis", "Redis unavailable: %s", "refused")
    assert messages(caplog) == ["Redis unavailable: refused"]
    clock.now += 0.1
    limited.warning("redis", "Redis unavailable: %s", "timeout")
    assert messages(caplog)[1:] == ["Redis unavailable: timeout (3 similar since the last warning)"]


def test_each_key_has_its_own_interval(clock, limited, caplog):
    limited.warning("redis", "Redis down")
    limited.warning("database", "database down")
    limited.warning("redis", "Redis down")
    assert messages(caplog) == ["Redis down", "database down"]
