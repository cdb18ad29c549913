"""The bench harness (bench/): a tiny real run so it cannot rot, and its arithmetic.

Timings are never asserted: the smoke run only checks that every part ran
and reported in the expected shape.
"""

import json
import os
import subprocess
import sys

import pytest

from bench import load
from bench.lag import click_lags
from bench.loadgen import percentile
from bench.report import Target
from bench.services import BenchSetupError, RedisTarget
from bench.stack import web_argv
from shortener.dev import procfile
from tests.conftest import PROJECT_ROOT

SMOKE_TIMEOUT = 300  # the run takes one to two minutes; this only stops a hung one


def _bench_env() -> dict:
    """The caller's environment without anything that would point the bench at shared data."""
    dropped = ("BENCH_REDIS_URL", "BENCH_DATABASE_URL", "TEST_DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["PYTHONPATH"] = PROJECT_ROOT
    return env


@pytest.mark.integration
def test_quick_run_measures_every_part_and_writes_json(tmp_path):
    # The Python load generator, so the smoke run never needs wrk.
    args = [sys.executable, "-m", "bench", "--quick", "--databases", "sqlite",
            "--load-generator", "python", "--results-dir", str(tmp_path)]
    done = subprocess.run(args, cwd=PROJECT_ROOT, env=_bench_env(), capture_output=True,
                          text=True, timeout=SMOKE_TIMEOUT)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    (path,) = tmp_path.glob("*-quick.json")
    results = json.loads(path.read_text())

    machine = results["machine"]
    assert machine["cpu_count"] and machine["python"] and machine["sqlite"] and machine["redis"]
    assert machine["redis_kind"] == "own redis-server"
    assert machine["load_generator"] == "python"
    assert [row["mode"] for row in results["redirect"]] == ["bare", "off", "sync", "job", "buffer",
                                                             "off, 100,000 blocked", "bare, again"]
    assert all(row["requests"] > 0 and row["errors"] == 0 for row in results["redirect"])
    assert [(row["mode"], row["processes"], row["batch"]) for row in results["ingest"]] == [
        ("job", 1, 1), ("job", 1, 1), ("job", 1, 500), ("job", 2, 500), ("buffer", 1, None)]
    assert all(row["persisted"] > 0 and row["consistent"] for row in results["ingest"])
    assert [row["mode"] for row in results["lag"]] == ["job", "buffer"]
    assert all(row["redirects"] > 0 and row["consistent"] for row in results["lag"])
    job_lag = results["lag"][0]  # at the rate one worker process of the ingest part stored
    assert job_lag["one_worker_rate"] == results["ingest"][2]["clicks_per_second"]  # in batches
    assert job_lag["rate"] == min(job_lag["one_worker_rate"], job_lag["capacity"])
    assert {row["page"] for row in results["scale"]} == {
        "link page 24h", "link page 7d", "link page 30d", "link page 90d", "link page all",
        "dashboard", "CSV first bytes"}
    assert all(row["consistent"] for row in results["scale"])
    processes = [row["process"] for row in results["memory"]]
    assert processes[0] == "web worker 1" and processes[-1] == "rq worker"
    assert all(row["stored"] > 0 and row["consistent"] and row["growth_mib"] is not None
               for row in results["memory"])
    assert results["targets"]
    for heading in ("Redirect throughput", "Ingestion", "Lag", "Scale", "Memory", "Targets:"):
        assert heading in done.stdout


@pytest.mark.integration
def test_wrk_result_is_parsed_from_a_real_run(tmp_path):
    if load.wrk_path() is None:
        pytest.skip("wrk is not installed (apt-get install -y wrk); the bench then uses "
                    "its Python load generator, which the quick run above covers")
    from bench.stack import WebServer, running, web_argv
    from shortener.dev.embedded_redis import free_port

    port = free_port()
    env = {**_bench_env(), "HOST": "127.0.0.1", "PORT": str(port)}
    server = WebServer("bare", web_argv(env, bare=True), env, str(tmp_path), port, "/u/slug")
    with running(server):
        server.wait_ready()
        result = load.closed_loop("wrk", server.url, 1, 4, 500, str(tmp_path))
    assert result["generator"] == "wrk"
    assert 0 < result["requests"] <= 500 + 4  # wrk stops at the cap, give or take in-flight
    assert result["statuses"]["3xx"] == result["requests"]
    assert result["latency_ms"]["p50"] <= result["latency_ms"]["p99"]


def test_each_click_lag_is_the_first_poll_that_saw_it():
    answered = [10.0, 10.1, 10.2, 10.3]
    polls = [(10.05, 0), (10.5, 2), (11.0, 3)]
    lags, unseen = click_lags(answered, polls, gave_up_at=12.0)
    assert [round(lag, 2) for lag in lags] == [0.5, 0.4, 0.8, 1.7]
    assert unseen == 1  # the fourth click was never seen: counted until giving up


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50, 99, 100)
    assert percentile([], 50) is None


@pytest.mark.parametrize(("command", "env", "expanded"), [
    ("gunicorn --bind ${HOST:-0.0.0.0}:${PORT:-5000}", {}, "gunicorn --bind 0.0.0.0:5000"),
    ("gunicorn --bind ${HOST:-0.0.0.0}:${PORT:-5000}", {"HOST": "127.0.0.1", "PORT": "81"},
     "gunicorn --bind 127.0.0.1:81"),
    ("rq worker --url $REDIS_URL clicks", {"REDIS_URL": "redis://h/1"},
     "rq worker --url redis://h/1 clicks"),
])
def test_procfile_lines_expand_like_a_shell(command, env, expanded):
    assert procfile.expand(command, env) == expanded


def test_the_web_line_of_the_procfile_is_found():
    args = procfile.argv("web", {"HOST": "127.0.0.1", "PORT": "5001"})
    assert os.path.basename(args[0]) == "gunicorn"
    assert procfile.option(args, "--bind") == "127.0.0.1:5001"


def test_the_redirect_part_can_swap_the_web_lines_worker_class():
    env = {"HOST": "127.0.0.1", "PORT": "5001"}
    assert web_argv(env) == procfile.argv("web", env)
    swapped = web_argv(env, worker_class="gthread")
    assert procfile.option(swapped, "--worker-class") == "gthread"
    assert procfile.option(swapped, "--threads") == "4"
    assert len(swapped) == len(procfile.argv("web", env))  # nothing else changed


def test_wrk_numbers_are_reported_like_the_python_generator():
    raw = {"requests": 2000, "duration_us": 2_000_000, "redirects": 1990,
           "errors": {"connect": 0, "read": 1, "write": 0, "status": 10, "timeout": 2},
           "latency_us": {"p50": 1500, "p95": 4000, "p99": 9000, "max": 20000}}
    result = load.parse_wrk(raw, connections=16)
    assert result["requests_per_second"] == 1000.0
    assert result["errors"] == 3
    assert result["statuses"] == {"3xx": 1990, "other": 10}
    assert result["latency_ms"] == {"p50": 1.5, "p95": 4.0, "p99": 9.0, "max": 20.0}


@pytest.mark.parametrize(("target", "verdict"), [
    (Target("r", "sqlite", 0.35, 0.7, True, "x"), "MISS: 0.35x (target >= 0.7x), 50% short"),
    (Target("l", "sqlite", 5.0, 2.0, False, " s"), "MISS: 5 s (target <= 2 s), 3 s over"),
    (Target("l", "sqlite", 1.0, 2.0, False, " s"), "pass: 1 s (target <= 2 s)"),
    (Target("l", "sqlite", None, 2.0, False, " s"), "not measured"),
])
def test_a_missed_target_says_by_how_much(target, verdict):
    assert target.verdict().startswith(verdict)


def test_redis_db_0_of_a_given_server_is_refused():
    with pytest.raises(BenchSetupError, match="DB 0"):
        RedisTarget.existing("redis://127.0.0.1:1/0")
