"""shortener/background/schedule.py: the periodic table, its reconciliation on a real Redis,
retries of scheduled jobs, and real rqscheduler + worker processes."""

import dataclasses
import subprocess
from datetime import UTC, datetime

import pytest
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from rq_scheduler import Scheduler

from shortener.background import schedule
from shortener.background.worker import InProcessWorker
from shortener.clicks import buffer as click_buffer
from tests.conftest import python_bin, subprocess_env
from tests.helpers import add_link, counts


@pytest.fixture
def scheduler(real_redis):
    return Scheduler(connection=real_redis)


@pytest.fixture
def definitions(app):
    return schedule.periodic_jobs(app.config)


def scheduled_ids(scheduler) -> set[str]:
    return {job.id for job in scheduler.get_jobs()}


def test_reconcile_adds_missing_and_keeps_unchanged(scheduler, definitions):
    first = schedule.reconcile(scheduler, definitions)
    assert len(first["added"]) == len(definitions) and not first["kept"]
    times = dict(schedule.upcoming(scheduler))
    second = schedule.reconcile(scheduler, definitions)
    assert second == {"added": [], "kept": first["added"], "removed": []}
    assert dict(schedule.upcoming(scheduler)) == times  # restarts keep the next run
    assert scheduled_ids(scheduler) == {d.job_id for d in definitions}


def test_reconcile_replaces_changed_and_cancels_removed(scheduler, definitions, real_redis):
    schedule.reconcile(scheduler, definitions)
    flush, *others = definitions
    faster = dataclasses.replace(flush, interval=flush.interval + 5)
    report = schedule.reconcile(scheduler, [faster, *others[:-1]])
    assert report["added"] == [faster.job_id]
    assert sorted(report["removed"]) == sorted([flush.job_id, others[-1].job_id])
    assert scheduled_ids(scheduler) == {faster.job_id, *(d.job_id for d in others[:-1])}
    assert not real_redis.exists(Job.key_for(flush.job_id))


def test_reconcile_leaves_other_scheduled_jobs_alone(scheduler, definitions):
    other = scheduler.enqueue_at(datetime(2100, 1, 1), "jobs.clicks.cleanup_click_buffer")
    schedule.reconcile(scheduler, definitions)
    schedule.reconcile(scheduler, definitions[:1])
    assert other.id in scheduled_ids(scheduler)


def test_scheduled_entries_pass_no_retry_argument_to_functions(scheduler, definitions):
    schedule.reconcile(scheduler, definitions)
    for job in scheduler.get_jobs():
        assert job.func_name == schedule.DISPATCH
        assert job.kwargs == {}
        assert len(job.args) == 1


def test_a_failing_periodic_job_is_retried_by_its_definition(make_app, redis_server, real_redis):
    app = make_app(REDIS_URL=redis_server.url)
    # A wrong-typed key makes cleanup_click_buffer fail for real (WRONGTYPE).
    real_redis.set(click_buffer.PROCESSING, "not a sorted set")
    with app.app_context():
        from jobs.periodic import run_periodic

        job_id = run_periodic("cleanup_click_buffer")
        InProcessWorker(["clicks"], connection=real_redis).work(burst=True)
        job = Job.fetch(job_id, connection=real_redis)
        assert job.retries_left == 1 and job.retry_intervals == [10, 60]
        assert job_id in ScheduledJobRegistry("clicks", connection=real_redis).get_job_ids()
        real_redis.delete(click_buffer.PROCESSING)
        registry = ScheduledJobRegistry("clicks", connection=real_redis)
        registry.schedule(job, datetime.now(UTC))  # step time: the retry is due now
        InProcessWorker(["clicks"], connection=real_redis).work(burst=True, with_scheduler=True)
    assert not real_redis.exists(job.key)  # succeeded (results are not kept)
    assert FailedJobRegistry("clicks", connection=real_redis).count == 0
    assert registry.count == 0


def run_flask(app, *args, extra_env=None) -> subprocess.CompletedProcess:
    env = subprocess_env(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"],
        **(extra_env or {}),
    )
    return subprocess.run([python_bin("flask"), "--app", "wsgi", *args], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.integration
def test_buffered_clicks_flushed_by_real_scheduler_and_worker(make_app, auth, redis_server, real_redis):
    app = make_app(REDIS_URL=redis_server.url, CLICK_TRACKING="buffer")
    link_id = add_link(app, auth.create_user("bob"), "go")
    client = app.test_client()
    for _ in range(30):
        assert client.get("/bob/go").status_code == 302
    assert click_buffer.pending(real_redis) == 30

    # Two schedulers at once: rq-scheduler's lock lets only one enqueue what is due.
    env = subprocess_env(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_server.url)
    command = [python_bin("flask"), "--app", "wsgi", "schedule", "run", "--burst"]
    schedulers = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True) for _ in range(2)]
    for process in schedulers:
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output
    due = [d for d in schedule.periodic_jobs(app.config) if d.interval and d.queue == "clicks"]
    assert Queue("clicks", connection=real_redis).count == len(due)

    worker = subprocess.run(
        [python_bin("rq"), "worker", "--burst", "--worker-class", "shortener.background.worker.Worker",
         "--url", redis_server.url, "clicks", "email"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr
    assert counts(app, link_id) == (30, 30, 30)
    assert click_buffer.pending(real_redis) == 0


def test_schedule_list_prints_each_job_and_its_next_run(make_app, redis_server, real_redis):
    app = make_app(REDIS_URL=redis_server.url)
    before = run_flask(app, "schedule", "list")
    assert before.returncode == 0, before.stderr
    assert "flush_click_buffer" in before.stdout and "not scheduled yet" in before.stdout
    schedule.reconcile(Scheduler(connection=real_redis), schedule.periodic_jobs(app.config))
    after = run_flask(app, "schedule", "list")
    lines = after.stdout.strip().splitlines()
    assert len(lines) == len(schedule.periodic_jobs(app.config))
    assert all("next: 20" in line for line in lines), after.stdout
