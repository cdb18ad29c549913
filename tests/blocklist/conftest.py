"""Blocklist fixtures: a clock for the per-process refresh, and changes made "elsewhere"."""

import pytest

from shortener.blocklist import store
from shortener.blocklist.entries import parse_entry
from shortener.blocklist.models import ADMIN, BlocklistEntry
from shortener.extensions import db


class Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The time of blocklist.checks and of the link cache, moved by hand."""
    fake = Clock()
    monkeypatch.setattr("shortener.blocklist.checks.time", fake)
    monkeypatch.setattr("shortener.links.lookup.time", fake)
    return fake


def block_elsewhere(app, text: str) -> None:
    """An entry added as another process adds it: the row and a new version, committed, and
    nothing done to this process's matcher."""
    with app.app_context():
        db.session.add(BlocklistEntry(pattern=parse_entry(text), source=ADMIN))
        store.bump_version()
        db.session.commit()
