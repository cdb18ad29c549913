"""The buffered mode: a reliable Redis list drained in batches."""

import time

import pytest
from rq import Queue
from sqlalchemy.exc import OperationalError

from jobs.clicks import cleanup_click_buffer, flush_click_buffer
from shortener.clicks import buffer as click_buffer
from shortener.clicks.storage import save_clicks
from tests.helpers import add_link, counts, database_fault


@pytest.fixture
def buffered(make_app, auth):
    def build(**overrides):
        app = make_app(CLICK_TRACKING="buffer", **overrides)
        link_id = add_link(app, auth.create_user("bob"), "go")
        return app, link_id

    return build


def redirect(app, times):
    client = app.test_client()
    for _ in range(times):
        assert client.get("/bob/go").status_code == 302


def test_a_redirect_pushes_one_event(buffered, fake_redis):
    app, link_id = buffered()
    redirect(app, 2)
    assert fake_redis.llen(click_buffer.BUFFER) == 2
    assert counts(app, link_id) == (0, 0, 0)


def test_flush_drains_in_batches(buffered, fake_redis):
    app, link_id = buffered(CLICK_BATCH_SIZE=3, CLICK_BUFFER_MAX=100)
    redirect(app, 8)
    with app.app_context():
        assert flush_click_buffer() == 8
    assert counts(app, link_id) == (8, 8, 8)
    assert click_buffer.pending(fake_redis) == 0


def test_a_flush_that_dies_before_commit_is_recovered_by_cleanup(buffered, fake_redis):
    app, link_id = buffered(CLICK_BUFFER_TIMEOUT=0)
    redirect(app, 5)
    # The flush moved the batch to its processing list, then the process died.
    key, events = click_buffer.claim_batch(fake_redis, 1000)
    assert len(events) == 5 and fake_redis.llen(click_buffer.BUFFER) == 0
    with app.app_context():
        assert cleanup_click_buffer() == 5
        assert flush_click_buffer() == 5
    assert not fake_redis.exists(key)
    assert counts(app, link_id) == (5, 5, 5)


def test_a_flush_that_dies_after_commit_counts_nothing_twice(buffered, fake_redis):
    app, link_id = buffered(CLICK_BUFFER_TIMEOUT=0)
    redirect(app, 4)
    key, events = click_buffer.claim_batch(fake_redis, 1000)
    with app.app_context():
        save_clicks(events)  # committed, but the process died before the ack
        assert cleanup_click_buffer() == 4
        assert flush_click_buffer() == 0
    assert counts(app, link_id) == (4, 4, 4)
    assert click_buffer.pending(fake_redis) == 0


def test_a_database_error_gives_the_batch_back_at_once(buffered, fake_redis):
    app, link_id = buffered()
    redirect(app, 3)

    with app.app_context():
        with database_fault(app), pytest.raises(OperationalError):
            flush_click_buffer()
        assert fake_redis.llen(click_buffer.BUFFER) == 3
        assert flush_click_buffer() == 3
    assert counts(app, link_id) == (3, 3, 3)


def test_cleanup_leaves_a_batch_younger_than_the_timeout_to_its_flush(buffered, fake_redis):
    app, link_id = buffered(CLICK_BUFFER_TIMEOUT=60)
    redirect(app, 2)
    key, _ = click_buffer.claim_batch(fake_redis, 1000)  # a flush is storing these right now
    with app.app_context():
        assert cleanup_click_buffer() == 0
        # Step the clock instead of waiting: the batch was claimed two minutes ago.
        fake_redis.zadd(click_buffer.PROCESSING, {key: time.time() - 120})
        assert cleanup_click_buffer() == 2
        assert flush_click_buffer() == 2
    assert counts(app, link_id) == (2, 2, 2)


def test_the_size_trigger_enqueues_one_flush_not_one_per_redirect(buffered, fake_redis):
    app, _ = buffered(CLICK_BATCH_SIZE=3)
    redirect(app, 10)
    jobs = Queue("clicks", connection=fake_redis).jobs
    assert [job.func_name for job in jobs] == ["jobs.clicks.flush_click_buffer"]
    with app.app_context():
        flush_click_buffer()  # a started flush frees the slot for the next trigger
    redirect(app, 3)
    assert Queue("clicks", connection=fake_redis).count == 2


def test_past_the_cap_clicks_go_to_the_database_with_a_warning(buffered, fake_redis, caplog):
    app, link_id = buffered(CLICK_BUFFER_MAX=2)
    redirect(app, 5)
    assert fake_redis.llen(click_buffer.BUFFER) == 2
    assert counts(app, link_id) == (3, 3, 3)
    assert len([r for r in caplog.records if "click buffer is full" in r.getMessage()]) == 1
    with app.app_context():
        flush_click_buffer()
    assert counts(app, link_id) == (5, 5, 5)
