"""Part 3 (bench/README.md, `lag`): redirect to row visible under steady load. Queue and buffer are
FIFO, so the k-th click answered is the k-th stored: its lag is the first poll that saw k clicks,
less the time its redirect was answered."""

import math
import threading
import time

from tests.support.procfile import worker_class as procfile_worker_class

from . import ingest, loadgen, redirect
from .context import REDIRECT_PATH, Database, Run
from .stack import app_processes

POLL_SECONDS = 0.1


def target_seconds(mode: str, flush_interval: int) -> float:
    """The p99 lag the issue asks for, per mode."""
    return flush_interval + 2.0 if mode == "buffer" else 2.0


def run_part(run: Run, results: dict) -> list[dict]:
    rows = []
    for database in run.databases:
        for mode in ("job", "buffer"):
            capacity = redirect_capacity(run, results, database, mode)
            worker_rate = one_worker_rate(run, results, database) if mode == "job" else None
            if mode == "job" and not worker_rate:
                run.note(f"lag {database.kind} / job: no worker rate measured; at half the "
                         "redirect capacity instead")
            rate = min(worker_rate, capacity) if worker_rate else capacity / 2
            rows.append(measure(run, database, mode, round(rate, 1), capacity, worker_rate))
    return rows


def redirect_capacity(run: Run, results: dict, database: Database, mode: str) -> float:
    """Redirects/s in ``mode``: the redirect part's of this run, else a probe half as long."""
    rows = [row for row in results.get("redirect") or []
            if (row["database"], row["mode"]) == (database.kind, mode)]
    return (rows[0] if rows else redirect.measure(run, database, mode, run.plan.redirect_seconds / 2))[
        "requests_per_second"]


def one_worker_rate(run: Run, results: dict, database: Database) -> float | None:
    """Clicks/s one process of the Procfile's worker class stores in job mode, in batches (as
    configured): the ingest part's of this run, else a probe of its own."""
    wanted = (database.kind, "job", procfile_worker_class(), 1)
    for row in results.get("ingest") or []:
        if (row["database"], row["mode"], row["worker_class"], row["processes"]) == wanted \
                and (row["batch"] or 1) > 1:
            return row["clicks_per_second"]
    return ingest.measure(run, database, "job", wanted[2], run.plan.ingest_jobs_batched)[
        "clicks_per_second"]


def measure(run: Run, database: Database, mode: str, rate: float, capacity: float,
            worker_rate: float | None) -> dict:
    plan, samples, stop = run.plan, [], threading.Event()
    target = target_seconds(mode, plan.flush_interval)
    run.reset_clicks(database)
    print(f"lag: {database.kind} / {mode}: {rate:g} redirects/s for {plan.lag_seconds:g} s",
          flush=True)

    def poll() -> None:  # (wall time the query started, clicks committed)
        while not stop.is_set():
            samples.append((time.time(), run.persisted(database)))
            stop.wait(POLL_SECONDS)

    with app_processes(run, database, mode, REDIRECT_PATH) as (server, _):
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            result = loadgen.run(server.url, plan.lag_seconds, plan.lag_connections,
                                 int(rate * plan.lag_seconds) + 1, run.workdir, rate)
            answered = result.pop("redirect_times")
            deadline = time.time() + target + plan.lag_slack_seconds
            while (samples[-1][1] if samples else 0) < len(answered) and time.time() < deadline:
                time.sleep(POLL_SECONDS)  # until every click answered is committed, or the deadline
        finally:
            stop.set()
            poller.join(10)
    lags, unseen = click_lags(answered, samples, time.time())
    return {
        "database": database.kind, "mode": mode, "capacity": capacity,
        "worker_class": procfile_worker_class(), "one_worker_rate": worker_rate,
        # worker processes that keep up with the redirect capacity, if they scale linearly
        "workers_for_capacity": math.ceil(capacity / worker_rate) if worker_rate else None,
        "rate": rate, "achieved_rate": result["requests_per_second"], "redirects": len(answered),
        "errors": result["errors"], "redirect_latency_ms": result["latency_ms"],
        "stored": samples[-1][1] if samples else 0, "unseen": unseen,
        **{f"lag_{name}_s": None if value is None else round(value, 3) for name, value in (
            ("p50", loadgen.percentile(lags, 50)), ("p99", loadgen.percentile(lags, 99)),
            ("max", max(lags, default=None)))},
        "lower_bound": unseen > 0,  # unseen clicks count with the time waited for them
        "target_s": target, "flush_interval": plan.flush_interval,
        "consistent": run.consistent(database)}


def click_lags(answered: list[float], samples: list[tuple[float, int]],
               gave_up_at: float) -> tuple[list[float], int]:
    """Each click's lag; a click never seen counts as the time waited for it (a lower bound)."""
    lags, unseen, index = [], 0, 0
    for k, answered_at in enumerate(sorted(answered), start=1):
        while index < len(samples) and samples[index][1] < k:
            index += 1
        if index == len(samples):
            unseen += 1
            lags.append(gave_up_at - answered_at)
        else:
            lags.append(max(0.0, samples[index][0] - answered_at))
    return lags, unseen
