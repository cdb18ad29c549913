"""The status page and its actions, on the session's real Redis with real in-process workers."""

import re
from datetime import datetime, timedelta

import pytest
from rq import Queue

from shortener.accounts.users import find_by_username, set_admin
from shortener.admin import status
from shortener.admin.actions import flush_click_buffer_now
from shortener.background.queues import CLICKS
from shortener.background.redis_clients import worker_redis
from shortener.background.worker import InProcessWorker
from shortener.clicks import buffer, spool
from shortener.timeutil import utcnow
from tests.helpers import add_link, counts, make_event, run_jobs, sign_in


@pytest.fixture
def app(make_app, redis_server, real_redis):
    return make_app(REDIS_URL=redis_server.url, CLICK_TRACKING="buffer", CLICK_RETRY_MAX=0)


@pytest.fixture
def link(app, auth):
    return add_link(app, auth.create_user("bob"), "go")



def push(real_redis, event) -> None:
    buffer.push(real_redis, event, cap=1000, batch_size=1000)


def gather(app):
    with app.app_context():
        return status.gather(worker_redis(), app.config)


def test_the_page_renders_for_an_admin(client, admin_logged_in, real_redis, link):
    push(real_redis, make_event(link))
    page = client.get("/admin/status")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-stat="buffer">1<' in html
    assert "flush_click_buffer" in html  # the schedule's table
    assert "admin.js" in html and "<script>" not in html


def test_queue_figures_count_waiting_and_failed_jobs(app, real_redis, link, monkeypatch):
    queue = Queue(CLICKS, connection=real_redis)
    queue.enqueue("jobs.clicks.record_click", make_event(link))
    figures = gather(app).queues[0]
    assert (figures.name, figures.waiting, figures.failed) == (CLICKS, 1, 0)
    assert figures.oldest_waiting_age is not None
    monkeypatch.setattr("jobs.clicks.save_clicks", _broken_save)
    run_jobs(app, real_redis)
    figures = gather(app).queues[0]
    assert (figures.waiting, figures.failed) == (0, 1)
    assert "1 failed jobs on clicks" in gather(app).warnings


def test_workers_are_listed_with_their_queues(app, real_redis):
    with app.app_context():
        worker = InProcessWorker([CLICKS], connection=real_redis)
    worker.register_birth()
    try:
        (listed,) = gather(app).workers
        assert (listed.name, listed.queues) == (worker.name, [CLICKS])
        assert "no worker is running" not in gather(app).warnings
    finally:
        worker.register_death()


def test_no_worker_and_no_scheduler_need_attention(app, real_redis):
    warnings = gather(app).warnings
    assert "no worker is running" in warnings
    assert any("no scheduler" in warning for warning in warnings)


def test_redis_without_persistence_is_flagged_in_production(app, real_redis):
    # The session's redis-server runs with --appendonly no --save "".
    assert app.config["APP_ENV"] == "production"
    assert any("neither AOF nor RDB" in warning for warning in gather(app).warnings)


def test_an_evicting_redis_is_flagged(app, real_redis):
    real_redis.config_set("maxmemory-policy", "allkeys-lru")
    try:
        assert any("maxmemory-policy is allkeys-lru" in warning for warning in gather(app).warnings)
    finally:
        real_redis.config_set("maxmemory-policy", "noeviction")


def test_click_pipeline_figures(app, real_redis, link):
    old = make_event(link, clicked_at=utcnow() - timedelta(minutes=10))
    push(real_redis, old)
    push(real_redis, make_event(link, clicked_at=utcnow()))
    spool.append(app.config["CLICK_SPOOL_DIR"], make_event(link, clicked_at=utcnow()))
    clicks = gather(app).clicks
    assert clicks.buffer_length == 2
    assert clicks.spool_local == 1
    assert 9 * 60 <= clicks.oldest_pending_age < 60 * 60
    assert (clicks.stored_last_minute, clicks.stored_last_hour) == (0, 0)


def test_stored_clicks_are_counted_by_clicked_at(app, real_redis, link):
    now = utcnow()
    for minutes_ago in (0, 30, 120):
        push(real_redis, make_event(link, clicked_at=now - timedelta(minutes=minutes_ago, seconds=1)))
    with app.app_context():
        flush_click_buffer_now()
    run_jobs(app, real_redis)
    clicks = gather(app).clicks
    assert (clicks.stored_last_minute, clicks.stored_last_hour) == (1, 2)


def _broken_save(events):
    raise RuntimeError("database on fire")


# --- actions ---------------------------------------------------------------------

def test_requeue_failed_puts_the_jobs_back_and_they_run(app, client, admin_logged_in, real_redis, link,
                                                        monkeypatch):
    Queue(CLICKS, connection=real_redis).enqueue("jobs.clicks.record_click", make_event(link))
    with monkeypatch.context() as patch:
        patch.setattr("jobs.clicks.save_clicks", _broken_save)
        run_jobs(app, real_redis)
    assert counts(app, link) == (0, 0, 0)
    response = client.post("/admin/status/requeue-failed", data={"queue": CLICKS}, follow_redirects=True)
    assert "Requeued 1 failed jobs of the clicks queue." in response.get_data(as_text=True)
    run_jobs(app, real_redis)
    assert counts(app, link) == (1, 1, 1)
    assert gather(app).queues[0].failed == 0


def test_requeue_failed_of_an_unknown_queue_is_refused(client, admin_logged_in, real_redis):
    assert client.post("/admin/status/requeue-failed", data={"queue": "nope"}).status_code == 400


def test_flush_now_enqueues_a_flush_that_stores_the_buffer(app, client, admin_logged_in, real_redis, link):
    push(real_redis, make_event(link))
    push(real_redis, make_event(link))
    response = client.post("/admin/status/flush-buffer", follow_redirects=True)
    assert "Enqueued a click buffer flush" in response.get_data(as_text=True)
    run_jobs(app, real_redis)
    assert counts(app, link) == (2, 2, 2)
    assert real_redis.llen(buffer.BUFFER) == 0


def test_replay_spool_stores_the_spooled_clicks(app, client, admin_logged_in, real_redis, link):
    spool.append(app.config["CLICK_SPOOL_DIR"], make_event(link))
    response = client.post("/admin/status/replay-spool", follow_redirects=True)
    assert "1 new clicks stored" in response.get_data(as_text=True)
    assert counts(app, link) == (1, 1, 1)


def test_return_stale_gives_dead_batches_back_to_the_buffer(app, client, admin_logged_in, real_redis, link):
    push(real_redis, make_event(link))
    key, _ = buffer.claim_batch(real_redis, 10)
    real_redis.zadd(buffer.PROCESSING, {key: datetime(2020, 1, 1).timestamp()})  # a flush that died
    response = client.post("/admin/status/return-stale", follow_redirects=True)
    assert "Returned 1 clicks" in response.get_data(as_text=True)
    assert real_redis.llen(buffer.BUFFER) == 1
    assert real_redis.zcard(buffer.PROCESSING) == 0


@pytest.mark.parametrize("action", ["flush-buffer", "replay-spool", "return-stale", "requeue-failed"])
def test_actions_need_the_csrf_token_and_strangers_still_get_404(make_app, redis_server, real_redis, auth,
                                                                 action):
    app = make_app(REDIS_URL=redis_server.url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    url = f"/admin/status/{action}"
    assert client.post(url, data={"queue": CLICKS}).status_code == 404
    user_id = auth.create_user("boss")
    with app.app_context():
        set_admin(find_by_username("boss"), True)
    sign_in(app, client, user_id)  # the login form itself needs a token here
    assert client.post(url, data={"queue": CLICKS}).status_code == 400
    token = _csrf_token(client)
    assert client.post(url, data={"queue": CLICKS, "csrf_token": token}).status_code == 302


def _csrf_token(client) -> str:
    html = client.get("/admin/status").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
