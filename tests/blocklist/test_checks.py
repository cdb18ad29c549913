"""shortener/blocklist/checks.py: the per-process matcher, rebuilt when the version moves."""

import logging

import pytest
from sqlalchemy.exc import OperationalError

from shortener.blocklist import checks, manage, store
from tests.blocklist.conftest import block_elsewhere
from tests.helpers import recorded_statements
from tests.support.harness import empty_tables

EVIL = "https://www.evil.example/landing"


@pytest.fixture
def refreshing_app(make_app):
    return make_app(BLOCKLIST_REFRESH_SECONDS=5)


def test_another_process_s_change_is_seen_once_the_refresh_interval_passed(refreshing_app, clock):
    app = refreshing_app
    with app.app_context():
        assert not checks.is_blocked(EVIL)
    block_elsewhere(app, "evil.example")
    with app.app_context():
        clock.now += 4.9
        assert not checks.is_blocked(EVIL)  # this process has not looked yet
        clock.now += 0.1
        assert checks.is_blocked(EVIL)


def test_within_the_interval_a_check_runs_no_query(refreshing_app, clock):
    block_elsewhere(refreshing_app, "evil.example")
    with refreshing_app.app_context():
        assert checks.is_blocked(EVIL)  # loads
        with recorded_statements(refreshing_app) as statements:
            for _ in range(100):
                assert checks.is_blocked(EVIL) and not checks.is_blocked("https://example.com/")
        assert statements == []


def test_an_unchanged_version_costs_one_read_and_no_rebuild(refreshing_app, clock, monkeypatch):
    block_elsewhere(refreshing_app, "evil.example")
    with refreshing_app.app_context():
        assert checks.is_blocked(EVIL)
        monkeypatch.setattr(store, "all_patterns", lambda: pytest.fail("rebuilt for nothing"))
        clock.now += 60
        with recorded_statements(refreshing_app) as statements:
            assert checks.is_blocked(EVIL)
        assert len(statements) == 1 and "blocklist_version" in statements[0]


def test_a_change_made_in_this_process_applies_at_once(refreshing_app, clock):
    with refreshing_app.app_context():
        assert not checks.is_blocked(EVIL)
        manage.add_entry("evil.example", None, None)
        assert checks.is_blocked(EVIL)


def test_an_emptied_table_is_a_change_too(refreshing_app, clock):
    """The version row may be gone (emptied tables): no row is a version of its own."""
    block_elsewhere(refreshing_app, "evil.example")
    with refreshing_app.app_context():
        assert checks.is_blocked(EVIL)
        empty_tables()
        clock.now += 5
        assert not checks.is_blocked(EVIL)


def test_a_database_outage_keeps_what_the_process_knew(refreshing_app, clock, monkeypatch, caplog):
    block_elsewhere(refreshing_app, "evil.example")
    with refreshing_app.app_context():
        assert checks.is_blocked(EVIL)

        def down():
            raise OperationalError("SELECT", {}, Exception("database is down"))

        monkeypatch.setattr(store, "current_version", down)
        clock.now += 5
        with caplog.at_level(logging.WARNING, logger="shortener.blocklist.checks"):
            assert checks.is_blocked(EVIL)
        assert "could not read the blocklist" in caplog.text
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="shortener.blocklist.checks"):
            assert checks.is_blocked(EVIL)
        assert caplog.text == ""  # asked again only after the interval
