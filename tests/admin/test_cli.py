"""flask clicks status/flush and flask jobs failed/requeue-failed, with their exit codes."""

import pytest
from rq import Queue

from shortener.background.queues import CLICKS
from shortener.background.worker import InProcessWorker
from shortener.clicks import buffer
from tests.helpers import add_link, counts, make_event, run_jobs


@pytest.fixture
def app(make_app, redis_server, real_redis):
    return make_app(REDIS_URL=redis_server.url, CLICK_RETRY_MAX=0)


@pytest.fixture
def link(app, auth):
    return add_link(app, auth.create_user("bob"), "go")



def fail_one_click_job(app, real_redis, link, monkeypatch):
    Queue(CLICKS, connection=real_redis).enqueue("jobs.clicks.record_click", make_event(link))
    with monkeypatch.context() as patch:
        patch.setattr("jobs.clicks.save_clicks", _broken_save)
        run_jobs(app, real_redis)


def _broken_save(events):
    raise RuntimeError("database on fire")


def test_status_prints_the_figures_and_exits_1_without_a_worker(runner, real_redis):
    result = runner.invoke(args=["clicks", "status"])
    assert result.exit_code == 1
    assert "queue clicks: waiting 0" in result.output
    assert "ATTENTION: no worker is running" in result.output


def test_status_exits_0_when_all_is_well(app, runner, real_redis):
    app.config["APP_ENV"] = "development"  # the test Redis keeps nothing on disk, on purpose
    with app.app_context():
        worker = InProcessWorker([CLICKS], connection=real_redis)
    worker.register_birth()
    real_redis.hset("rq:scheduler_instance:test", "birth", 1)  # a live scheduler's key
    try:
        result = runner.invoke(args=["clicks", "status"])
    finally:
        worker.register_death()
    assert result.exit_code == 0, result.output
    assert "ATTENTION" not in result.output


def test_flush_enqueues_a_flush_that_stores_the_buffer(app, runner, real_redis, link):
    buffer.push(real_redis, make_event(link), cap=100, batch_size=100)
    result = runner.invoke(args=["clicks", "flush"])
    assert result.exit_code == 0 and "enqueued flush job" in result.output
    run_jobs(app, real_redis)
    assert counts(app, link) == (1, 1, 1)


def test_failed_lists_failed_jobs_and_exits_1(app, runner, real_redis, link, monkeypatch):
    assert runner.invoke(args=["jobs", "failed"]).exit_code == 0
    fail_one_click_job(app, real_redis, link, monkeypatch)
    result = runner.invoke(args=["jobs", "failed", "--queue", "clicks"])
    assert result.exit_code == 1
    assert "jobs.clicks.record_click" in result.output and "database on fire" in result.output
    assert runner.invoke(args=["jobs", "failed", "--queue", "email"]).exit_code == 0


def test_requeue_failed_runs_them_again(app, runner, real_redis, link, monkeypatch):
    fail_one_click_job(app, real_redis, link, monkeypatch)
    result = runner.invoke(args=["jobs", "requeue-failed", "--queue", "clicks"])
    assert result.exit_code == 0 and "clicks: requeued 1 failed jobs" in result.output
    run_jobs(app, real_redis)
    assert counts(app, link) == (1, 1, 1)


def test_an_unknown_queue_is_a_usage_error(runner):
    assert runner.invoke(args=["jobs", "failed", "--queue", "nope"]).exit_code == 2
