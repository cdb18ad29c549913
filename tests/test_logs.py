"""shortener/logs.py: request ids, job context, JSON lines, what routine periodic work logs,
and warnings repeated during an outage logged once per interval."""

import json
import logging
from types import SimpleNamespace

import pytest
from rq import Queue
from rq.results import Result
from rq_scheduler import Scheduler

from jobs.periodic import run_periodic
from shortener import logs
from shortener.background import schedule
from shortener.clicks import buffer
from tests.helpers import add_link, make_event, run_jobs


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_request_log_line_carries_the_request_id_in_json(make_app, capsys):
    app = make_app(LOG_FORMAT="json", REDIS_URL="redis://127.0.0.1:1/0")  # /readyz logs the failure
    response = app.test_client().get("/readyz", headers={"X-Request-ID": "edge-42.a"})
    assert response.headers["X-Request-ID"] == "edge-42.a"
    lines = [line for line in json_lines(capsys.readouterr().err) if "readiness" in line["message"]]
    assert lines and all(line["request_id"] == "edge-42.a" for line in lines)
    assert lines[0]["level"] == "WARNING" and lines[0]["logger"] == "shortener.health.checks"


@pytest.mark.parametrize("header", [None, "", "has spaces", "x" * 200, "quote\"d", "<script>"])
def test_an_insane_or_missing_request_id_is_replaced(client, header):
    headers = {} if header is None else {"X-Request-ID": header}
    request_id = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    assert request_id != header and len(request_id) == 32


def test_each_request_gets_its_own_id(client):
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert first != second


@pytest.fixture
def redis_app(make_app, redis_server, real_redis):
    return make_app(REDIS_URL=redis_server.url, CLICK_TRACKING="buffer", LOG_FORMAT="json")



def test_a_job_log_line_carries_the_job_id_and_queue(auth, redis_app, real_redis, capsys):
    # auth builds an app of its own first: redis_app, built last, configures logging as JSON.
    link = add_link(redis_app, auth.create_user("bob"), "go")
    buffer.push(real_redis, make_event(link), cap=100, batch_size=100)
    job = Queue("clicks", connection=real_redis).enqueue("jobs.clicks.flush_click_buffer")
    run_jobs(redis_app, real_redis)
    (line,) = [line for line in json_lines(capsys.readouterr().err) if "flush stored" in line["message"]]
    assert line["message"].startswith("flush stored 1 clicks in ")
    assert (line["level"], line["job_id"], line["queue"]) == ("INFO", job.id, "clicks")


def test_an_empty_flush_logs_at_debug_only(redis_app, real_redis, caplog):
    caplog.set_level(logging.DEBUG, logger="jobs.clicks")
    Queue("clicks", connection=real_redis).enqueue("jobs.clicks.flush_click_buffer")
    run_jobs(redis_app, real_redis)
    (record,) = [r for r in caplog.records if r.getMessage().startswith("flush stored")]
    assert (record.levelno, record.getMessage().split(" in ")[0]) == (logging.DEBUG, "flush stored 0 clicks")


def test_a_periodic_jobs_routine_success_is_not_logged_at_info(redis_app, real_redis, capsys):
    with redis_app.app_context():
        run_periodic("cleanup_click_buffer")
    Queue("clicks", connection=real_redis).enqueue("jobs.clicks.cleanup_click_buffer")  # not periodic
    run_jobs(redis_app, real_redis)
    lines = json_lines(capsys.readouterr().err)
    job_ok = [line for line in lines if "Job OK" in line["message"]]
    assert len(job_ok) == 1 and "periodic-" not in job_ok[0]["message"]
    completed = [line["message"] for line in lines if line["message"].startswith("Successfully completed")]
    assert len(completed) == 1 and "periodic" not in completed[0]  # only the plain job's


def test_periodic_entries_leave_results_that_expire(redis_app, real_redis):
    scheduler = Scheduler(connection=real_redis)
    with redis_app.app_context():
        definitions = schedule.periodic_jobs(redis_app.config)
        schedule.reconcile(scheduler, definitions)
    scheduler.enqueue_jobs()
    run_jobs(redis_app, real_redis, *sorted({definition.queue for definition in definitions}))
    due = [definition for definition in definitions if definition.interval]
    for definition in due:
        results_key = Result.get_key(definition.job_id)
        assert real_redis.exists(results_key), definition.name
        assert 0 < real_redis.ttl(results_key) <= schedule.RESULT_TTL
        assert scheduler.connection.zscore(scheduler.scheduled_jobs_key, definition.job_id)  # still scheduled
    leftovers = [key for key in real_redis.keys("rq:results:*") if real_redis.ttl(key) == -1]
    assert leftovers == []


def test_reconcile_deletes_the_results_of_entries_it_removes(redis_app, real_redis):
    scheduler = Scheduler(connection=real_redis)
    with redis_app.app_context():
        old = schedule.periodic_jobs(redis_app.config)[0]
        scheduler.schedule(schedule.datetime.now(schedule.UTC).replace(tzinfo=None), old.func,
                           id=f"{schedule.ID_PREFIX}old-entry", interval=60)  # result_ttl -1
        real_redis.xadd(Result.get_key(f"{schedule.ID_PREFIX}old-entry"), {"type": "1"})
        report = schedule.reconcile(scheduler, schedule.periodic_jobs(redis_app.config))
    assert f"{schedule.ID_PREFIX}old-entry" in report["removed"]
    assert not real_redis.exists(Result.get_key(f"{schedule.ID_PREFIX}old-entry"))


def test_worker_start_warns_about_a_redis_without_persistence(redis_app, real_redis, caplog):
    # The session's redis-server runs with --appendonly no --save "" and APP_ENV is production.
    caplog.set_level(logging.WARNING, logger="shortener.background.redis_health")
    run_jobs(redis_app, real_redis)
    assert any("neither AOF nor RDB" in record.getMessage() for record in caplog.records)


def test_the_scheduler_warns_too(redis_app, real_redis, caplog):
    caplog.set_level(logging.WARNING, logger="shortener.background.redis_health")
    result = redis_app.test_cli_runner().invoke(args=["schedule", "run", "--burst"])
    assert result.exit_code == 0, result.output
    assert any(record.getMessage().startswith("scheduler: Redis has neither AOF nor RDB")
               for record in caplog.records)


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
