"""The bench harness (bench/): a tiny real run so it cannot rot, and its arithmetic.

Timings are never asserted: the smoke run only checks that every part ran
and reported in the expected shape.
"""

import json
import os
import subprocess
import sys

import pytest

from bench.lag import click_lags
from bench.loadgen import percentile
from bench.report import Target, table
from bench.stack import BARE_APP, web_argv
from tests.conftest import PROJECT_ROOT
from tests.support import procfile

SMOKE_TIMEOUT = 900  # a few minutes, more on a busy machine; this only stops a hung one


def _bench_env() -> dict:
    """The caller's environment without anything that would point the bench at shared data."""
    dropped = ("BENCH_DATABASE_URL", "TEST_DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["PYTHONPATH"] = PROJECT_ROOT
    return env


@pytest.mark.integration
def test_quick_run_measures_every_part_and_writes_json(tmp_path):
    args = [sys.executable, "-m", "bench", "--quick", "--databases", "sqlite",
            "--results-dir", str(tmp_path)]
    done = subprocess.run(args, cwd=PROJECT_ROOT, env=_bench_env(), capture_output=True,
                          text=True, timeout=SMOKE_TIMEOUT)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    (path,) = tmp_path.glob("*-quick.json")
    results = json.loads(path.read_text())

    machine = results["machine"]
    assert machine["cpu_count"] and machine["python"] and machine["sqlite"] and machine["redis"]
    assert [row["mode"] for row in results["redirect"]] == ["bare", "off", "sync", "job", "buffer",
                                                             "off, 100,000 blocked", "bare, again"]
    assert all(row["requests"] > 0 and row["errors"] == 0 and row["web_ms_per_request"] is not None
               for row in results["redirect"])
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


def test_the_bare_app_is_served_by_the_same_web_line():
    env = {"HOST": "127.0.0.1", "PORT": "5001"}
    assert web_argv(env) == procfile.argv("web", env)
    bare = web_argv(env, bare=True)
    assert [arg for arg in bare if arg != BARE_APP] == [arg for arg in web_argv(env) if arg != "wsgi:app"]


def test_a_table_is_markdown_with_numbers_on_the_right():
    rows = [{"mode": "off", "rate": 1234.5}, {"mode": "buffer", "rate": None}]
    assert table("T", {"mode": lambda row: row["mode"], "req/s": lambda row: row["rate"]}, rows) == (
        "T\n| mode   |   req/s |\n|--------|--------:|\n| off    | 1,234.5 |\n| buffer |       - |")


@pytest.mark.parametrize(("target", "verdict"), [
    (Target("r", "sqlite", 0.35, 0.7, True, "x"), "MISS: 0.35x (target >= 0.7x), 50% short"),
    (Target("l", "sqlite", 5.0, 2.0, False, " s"), "MISS: 5 s (target <= 2 s), 3 s over"),
    (Target("l", "sqlite", 1.0, 2.0, False, " s"), "pass: 1 s (target <= 2 s)"),
    (Target("l", "sqlite", None, 2.0, False, " s"), "not measured"),
])
def test_a_missed_target_says_by_how_much(target, verdict):
    assert target.verdict().startswith(verdict)
