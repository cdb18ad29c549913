"""The redirect hands every click to shortener/clicks/tracking.py; these tests follow a
click through each mode and each failure: Redis down, Redis hung, Redis and
the database down together."""

import os
import signal
import time
from datetime import datetime

import pytest
import redis
import redis.client
from rq import Queue

from shortener.background.queues import CLICKS, RESULT_TTL
from shortener.clicks import spool
from shortener.dev.embedded_redis import free_port
from tests.helpers import add_link, counts, database_fault, wait_until

# Not a speed target (those live in the benchmark): redis-py's defaults would
# wait on a hung Redis forever, so any bound tells a hang from the 250 ms
# budget; this one is wide enough for a loaded CI machine.
HANG_BOUND = 15.0


@pytest.fixture
def link(app, auth):
    return add_link(app, auth.create_user("bob"), "go")


def click(client, times=1, **headers):
    for _ in range(times):
        response = client.get("/bob/go", headers=headers, environ_base={"REMOTE_ADDR": "203.0.113.77"})
        assert response.status_code == 302
        assert response.headers["Cache-Control"] == "private, max-age=0"
    return response


def click_without_waiting_on_redis(client, times):
    for _ in range(times):
        started = time.monotonic()
        click(client)
        assert time.monotonic() - started < HANG_BOUND


def test_job_mode_enqueues_one_job_with_the_configured_retry(make_app, auth, fake_redis):
    app = make_app(CLICK_TRACKING="job", CLICK_RETRY_MAX=3, CLICK_RETRY_INTERVALS=[2, 4, 8])
    link_id = add_link(app, auth.create_user("bob"), "go")
    click(app.test_client(), Referer="https://ref.test/page")
    jobs = Queue("clicks", connection=fake_redis).jobs
    assert len(jobs) == 1
    job = jobs[0]
    assert job.func_name == "jobs.clicks.record_click"
    assert job.retries_left == 3 and job.retry_intervals == [2, 4, 8]
    assert job.result_ttl == RESULT_TTL[CLICKS] > 0 and job.failure_ttl == app.config["CLICK_FAILURE_TTL"]
    (event_data,) = job.args
    assert event_data["link_id"] == link_id
    assert event_data["referrer"] == "https://ref.test/page"
    assert event_data["ip_address"] == "203.0.113.0"
    assert job.id == f"click-{event_data['id']}"
    assert counts(app, link_id) == (0, 0, 0)  # nothing written in the request


def test_head_is_answered_but_records_nothing(make_app, auth, fake_redis):
    app = make_app(CLICK_TRACKING="job")
    link_id = add_link(app, auth.create_user("bob"), "go")
    response = app.test_client().head("/bob/go")
    assert response.status_code == 302
    assert Queue("clicks", connection=fake_redis).count == 0
    assert counts(app, link_id) == (0, 0, 0)


def test_sync_mode_writes_in_the_request(app, client, link):
    click(client, times=2)
    assert counts(app, link) == (2, 2, 2)


def test_off_mode_records_nothing(make_app, auth, fake_redis):
    app = make_app(CLICK_TRACKING="off")
    link_id = add_link(app, auth.create_user("bob"), "go")
    click(app.test_client())
    assert counts(app, link_id) == (0, 0, 0)
    assert fake_redis.dbsize() == 0


def test_unknown_inactive_and_expired_links_are_404(app, client, link, auth):
    owner_id = auth.create_user("carl")
    add_link(app, owner_id, "off", is_active=False)
    add_link(app, owner_id, "old", expires_at=datetime(2000, 1, 1))
    for path in ("/bob/nope", "/nobody/go", "/carl/off", "/carl/old"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"does not exist" in response.data
    assert counts(app, link) == (0, 0, 0)


@pytest.mark.parametrize("mode", ["job", "buffer"])
def test_redis_down_falls_back_to_the_database(make_app, auth, mode, caplog):
    app = make_app(CLICK_TRACKING=mode, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    link_id = add_link(app, auth.create_user("bob"), "go")
    client = app.test_client()
    click_without_waiting_on_redis(client, times=3)
    assert counts(app, link_id) == (3, 3, 3)
    assert not app.extensions["redis"].breaker.allows()  # later clicks skip Redis
    assert len([r for r in caplog.records if "Redis unavailable" in r.getMessage()]) == 1


@pytest.mark.parametrize("mode", ["job", "buffer"])
def test_hung_redis_never_holds_a_redirect(make_app, auth, redis_server, real_redis, mode):
    app = make_app(CLICK_TRACKING=mode, REDIS_URL=redis_server.url)
    link_id = add_link(app, auth.create_user("bob"), "go")
    client = app.test_client()
    click(client)  # connects while Redis is healthy
    os.kill(redis_server.process.pid, signal.SIGSTOP)
    try:
        click_without_waiting_on_redis(client, times=3)
    finally:
        os.kill(redis_server.process.pid, signal.SIGCONT)
    # The first click went to Redis; the three during the hang were written directly,
    # and the breaker spared all but the first of them the wait.
    assert counts(app, link_id)[0] == 3
    assert not app.extensions["redis"].breaker.allows()


def test_redis_and_database_down_spools_and_replay_stores_each_click_once(make_app, auth):
    app = make_app(CLICK_TRACKING="job", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    link_id = add_link(app, auth.create_user("bob"), "go")
    with database_fault(app):
        click(app.test_client(), times=5)
    folder = app.config["CLICK_SPOOL_DIR"]
    assert spool.pending(folder) == 5
    assert counts(app, link_id) == (0, 0, 0)

    runner = app.test_cli_runner()
    result = runner.invoke(args=["clicks", "replay"])
    assert result.exit_code == 0, result.output
    assert "replayed 5" in result.output
    assert runner.invoke(args=["clicks", "replay"]).exit_code == 0
    assert counts(app, link_id) == (5, 5, 5)
    assert spool.pending(folder) == 0


def test_the_process_that_spooled_replays_its_spool_once_the_database_is_back(make_app, auth):
    app = make_app(CLICK_TRACKING="job", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                   CLICK_SPOOL_REPLAY_INTERVAL=0.1)
    link_id = add_link(app, auth.create_user("bob"), "go")
    with database_fault(app) as outage:
        click(app.test_client(), times=3)
        wait_until(lambda: outage.hits > 3, timeout=10)  # 3 redirects, then the drainer
        assert counts(app, link_id) == (0, 0, 0)
    # The spool file goes only after its clicks are committed: wait for that, not for the counts.
    wait_until(lambda: spool.pending(app.config["CLICK_SPOOL_DIR"]) == 0, timeout=10)
    assert counts(app, link_id) == (3, 3, 3)


def test_an_unwritable_spool_still_answers_the_redirect_and_logs_the_loss(make_app, auth, tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the spool folder should be")
    app = make_app(CLICK_TRACKING="job", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                   CLICK_SPOOL_DIR=str(blocker / "spool"))
    link_id = add_link(app, auth.create_user("bob"), "go")
    with database_fault(app):
        click(app.test_client())
    assert counts(app, link_id) == (0, 0, 0)
    assert "lost: Redis, the database and the spool all failed" in caplog.text


# --- job mode is bounded like the buffer ---------------------------------------------------

def test_past_click_queue_max_clicks_go_straight_to_the_database(make_app, auth, fake_redis):
    app = make_app(CLICK_TRACKING="job", CLICK_QUEUE_MAX=3)
    link_id = add_link(app, auth.create_user("bob"), "go")
    click(app.test_client(), times=5)
    # The third enqueue saw 3 waiting: the clicks after it were written directly, none lost.
    assert Queue("clicks", connection=fake_redis).count == 3
    assert counts(app, link_id) == (2, 2, 2)


def test_a_full_queue_is_read_again_after_a_moment(make_app, auth, fake_redis, monkeypatch):
    app = make_app(CLICK_TRACKING="job", CLICK_QUEUE_MAX=1)
    link_id = add_link(app, auth.create_user("bob"), "go")
    client = app.test_client()
    click(client, times=2)
    assert Queue("clicks", connection=fake_redis).count == 1 and counts(app, link_id)[0] == 1
    Queue("clicks", connection=fake_redis).empty()  # the workers caught up
    later = time.monotonic() + 60
    monkeypatch.setattr("shortener.background.redis_clients.time.monotonic", lambda: later)
    click(client)
    assert Queue("clicks", connection=fake_redis).count == 1 and counts(app, link_id)[0] == 1


def test_a_job_mode_click_is_still_one_redis_round_trip(make_app, auth, redis_server, real_redis,
                                                       monkeypatch):
    # A real Redis: fakeredis has no INFO, so RQ would ask for the server version every time.
    app = make_app(CLICK_TRACKING="job", REDIS_URL=redis_server.url)
    add_link(app, auth.create_user("bob"), "go")
    client = app.test_client()
    click(client)  # the salt and the server version are read once per process: not counted below
    round_trips = []
    command, execute = redis.Redis.execute_command, redis.client.Pipeline.execute

    def counted_command(self, *args, **options):
        round_trips.append(args[0])
        return command(self, *args, **options)

    def counted_execute(self, *args, **options):
        round_trips.append("execute")
        return execute(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted_command)
    monkeypatch.setattr(redis.client.Pipeline, "execute", counted_execute)
    click(client)
    assert round_trips == ["execute"]
