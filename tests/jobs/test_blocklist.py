"""jobs/blocklist.py: BLOCKLIST_FILE synced by its periodic job, run by a real RQ worker."""

import logging

import pytest
from sqlalchemy import select

from jobs.periodic import run_periodic
from shortener.background import schedule
from shortener.blocklist import checks
from shortener.blocklist.models import BlocklistEntry
from shortener.extensions import db
from tests.conftest import use_redis
from tests.helpers import run_jobs


@pytest.fixture
def blocklist_file(tmp_path):
    path = tmp_path / "blocklist.txt"
    path.write_text("# the operator's list\nevil.example\nexample.com/free-money\n")
    return path


@pytest.fixture
def job_app(make_app, redis_server, real_redis, blocklist_file):
    app = make_app(REDIS_URL=redis_server.url, BLOCKLIST_FILE=str(blocklist_file))
    use_redis(app, real_redis)
    return app


def run_reload(app, connection) -> None:
    with app.app_context():
        run_periodic("reload_blocklist_file")
    run_jobs(app, connection, "imports")


def patterns(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(BlocklistEntry.pattern)))


def test_the_periodic_job_syncs_the_file(job_app, real_redis, blocklist_file):
    run_reload(job_app, real_redis)
    assert patterns(job_app) == {"evil.example", "example.com/free-money"}
    blocklist_file.write_text("new.example\n")
    run_reload(job_app, real_redis)
    assert patterns(job_app) == {"new.example"}
    with job_app.app_context():
        assert checks.is_blocked("https://www.new.example/") and not checks.is_blocked("https://evil.example/")


def test_an_unreadable_file_is_logged_and_keeps_the_entries(job_app, real_redis, blocklist_file, caplog):
    run_reload(job_app, real_redis)
    blocklist_file.unlink()
    with caplog.at_level(logging.ERROR, logger="jobs.blocklist"):
        run_reload(job_app, real_redis)
    assert "cannot be read" in caplog.text
    assert patterns(job_app) == {"evil.example", "example.com/free-money"}


def test_unsetting_the_file_takes_its_entries_away(job_app, real_redis):
    run_reload(job_app, real_redis)
    job_app.config["BLOCKLIST_FILE"] = None
    run_reload(job_app, real_redis)
    assert patterns(job_app) == set()


def test_the_job_is_on_the_schedule_at_its_interval(make_app):
    definition = schedule.find(make_app(BLOCKLIST_FILE_INTERVAL=120).config, "reload_blocklist_file")
    assert (definition.func, definition.interval, definition.queue) == (
        "jobs.blocklist.reload_blocklist_file", 120, "imports")
