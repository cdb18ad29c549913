"""jobs/clicks.py: the click jobs, run directly and through a real RQ worker."""

import logging

import pytest
from rq import Queue
from rq.registry import FailedJobRegistry

from jobs.clicks import flush_click_buffer, record_click, record_clicks
from shortener.background.worker import InProcessWorker
from shortener.clicks import buffer as click_buffer
from shortener.extensions import db
from shortener.links.models import Link
from tests.helpers import add_link, counts, database_fault, make_event


@pytest.fixture
def link(app, auth):
    return add_link(app, auth.create_user("bob"), "go")


def test_record_click_creates_a_click(app, link):
    with app.app_context():
        assert record_click(make_event(link)) == 1
    assert counts(app, link) == (1, 1, 1)


def test_the_same_job_run_twice_gives_one_click(app, link):
    event_data = make_event(link)
    with app.app_context():
        record_click(event_data)
        assert record_click(event_data) == 0
    assert counts(app, link) == (1, 1, 1)


def test_record_clicks_gives_each_event_the_result_record_click_would(app, auth, link, caplog):
    caplog.set_level(logging.INFO)
    gone = add_link(app, auth.create_user("carol"), "gone")
    stored, new, orphan = make_event(link), make_event(link), make_event(gone)
    with app.app_context():
        record_click(stored)
        db.session.delete(db.session.get(Link, gone))
        db.session.commit()
        assert record_clicks([stored, new, orphan]) == [0, 1, 0]
    assert counts(app, link) == (2, 2, 2)
    assert f"click {stored['id']} already stored" in caplog.text


def test_a_missing_link_is_success_and_no_click(app, link, caplog):
    caplog.set_level(logging.INFO)
    with app.app_context():
        db.session.delete(db.session.get(Link, link))
        db.session.commit()
        assert record_click(make_event(link)) == 0
    assert "its link is gone" in caplog.text


def test_database_error_then_retry_counts_exactly_once(make_app, auth, redis_server, real_redis):
    app = make_app(REDIS_URL=redis_server.url, CLICK_TRACKING="job",
                   CLICK_RETRY_MAX=2, CLICK_RETRY_INTERVALS=[0, 0])
    link_id = add_link(app, auth.create_user("bob"), "go")
    assert app.test_client().get("/bob/go").status_code == 302
    # The click row is inserted, then the transaction breaks at the click_count update (on
    # PostgreSQL part of the one statement that grows every rollup).
    rollups = "WITH l_update" if "postgresql" in app.config["SQLALCHEMY_DATABASE_URI"] else "UPDATE links"
    with database_fault(app, rollups, times=1) as fault, app.app_context():
        InProcessWorker(["clicks"], connection=real_redis).work(burst=True)
    assert fault.hits == 1
    assert counts(app, link_id) == (1, 1, 1)
    assert FailedJobRegistry("clicks", connection=real_redis).count == 0
    assert Queue("clicks", connection=real_redis).count == 0


def test_flush_stores_exactly_the_buffered_events(make_app, auth, fake_redis):
    app = make_app(CLICK_TRACKING="buffer", CLICK_BATCH_SIZE=4)
    link_id = add_link(app, auth.create_user("bob"), "go")
    client = app.test_client()
    for _ in range(3):
        client.get("/bob/go")
    with app.app_context():
        assert click_buffer.pending(fake_redis) == 3
        assert flush_click_buffer() == 3
        assert flush_click_buffer() == 0
        assert click_buffer.pending(fake_redis) == 0
    assert counts(app, link_id) == (3, 3, 3)
