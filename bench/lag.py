"""Part 3: lag from redirect to row visible, under steady load.

Job mode runs at the rate one process of the Procfile's worker class stores
in batches (``CLICK_JOB_BATCH``; the ingest part's, else a probe of its own),
capped at the redirect capacity; buffer mode at half the redirect capacity. The row reports both
rates, so the number of worker processes a traffic needs can be read off.

gunicorn, the Procfile's worker and (buffer mode) the Procfile's scheduler
run together on the machine; a fixed-rate load runs for a while. A poller
reads the clicks committed (the sum of ``click_count``, updated in the same
transaction as the rows) every POLL_SECONDS. Both the worker queue and the
buffer are FIFO, so the k-th click answered is the k-th stored: its lag is
the first poll that saw k clicks, less the time its redirect was answered
(the horizontal distance between the two cumulative curves). Resolution:
POLL_SECONDS.
"""

import math
import threading
import time

from tests.support.procfile import worker_class as procfile_worker_class

from . import ingest, load, redirect
from .context import REDIRECT_PATH, Run
from .loadgen import percentile
from .services import Database
from .stack import app_processes

MODES = ("job", "buffer")
POLL_SECONDS = 0.1


def target_seconds(mode: str, flush_interval: int) -> float:
    """The p99 lag the issue asks for, per mode."""
    return flush_interval + 2.0 if mode == "buffer" else 2.0


def run_part(run: Run, results: dict) -> list[dict]:
    rows = []
    for database in run.databases:
        for mode in MODES:
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
    for row in results.get("redirect") or []:
        if (row["database"], row["mode"]) == (database.kind, mode) and row.get("procfile", True):
            return row["requests_per_second"]
    probe = redirect.measure(run, database, mode, seconds=run.plan.redirect_seconds / 2)
    return probe["requests_per_second"]


def one_worker_rate(run: Run, results: dict, database: Database) -> float | None:
    """Clicks/s one process of the Procfile's worker class stores in job mode: the ingest
    part's of this run, else a probe of its own."""
    wanted = (database.kind, "job", procfile_worker_class(), 1)
    for row in results.get("ingest") or []:
        batched = (row.get("batch") or 1) > 1  # the Procfile's worker, as configured
        if (row["database"], row["mode"], row["worker_class"], row.get("processes")) == wanted \
                and batched:
            return row["clicks_per_second"]
    return ingest.measure(run, database, "job", wanted[2], run.plan.ingest_jobs_batched)[
        "clicks_per_second"]


def measure(run: Run, database: Database, mode: str, rate: float, capacity: float,
            worker_rate: float | None) -> dict:
    plan = run.plan
    target = target_seconds(mode, plan.flush_interval)
    run.fixtures(database)
    run.reset_clicks(database)
    print(f"lag: {database.kind} / {mode}: {rate:g} redirects/s for {plan.lag_seconds:g} s",
          flush=True)
    with app_processes(run, database, mode, REDIRECT_PATH) as (server, _), \
            CommitPoller(run, database) as poller:
        result = load.fixed_rate(server.url, rate, plan.lag_seconds, plan.lag_connections,
                                 run.workdir)
        answered = result.pop("redirect_times")
        poller.wait_for(len(answered), target + plan.lag_slack_seconds)
    lags, unseen = click_lags(answered, poller.samples, time.time())
    return {
        "database": database.kind, "mode": mode, "capacity": capacity,
        "worker_class": procfile_worker_class(), "one_worker_rate": worker_rate,
        # worker processes that keep up with the redirect capacity, if they scale linearly
        "workers_for_capacity": math.ceil(capacity / worker_rate) if worker_rate else None,
        "rate": rate, "achieved_rate": result["requests_per_second"],
        "redirects": len(answered), "errors": result["errors"],
        "redirect_latency_ms": result["latency_ms"],
        "stored": poller.stored(), "unseen": unseen,
        "lag_p50_s": _rounded(percentile(lags, 50)),
        "lag_p99_s": _rounded(percentile(lags, 99)),
        "lag_max_s": _rounded(max(lags) if lags else None),
        "lower_bound": unseen > 0,  # unseen clicks count with the time waited for them
        "target_s": target,
        "flush_interval": plan.flush_interval,
        "consistent": run.consistent(database),
    }


class CommitPoller:
    """In a thread, every POLL_SECONDS: (wall time the query started, clicks committed)."""

    def __init__(self, run: Run, database: Database):
        self.run, self.database = run, database
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> "CommitPoller":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(10)

    def _poll(self) -> None:
        while not self._stop.is_set():
            started = time.time()
            self.samples.append((started, self.run.persisted(self.database)))
            self._stop.wait(POLL_SECONDS)

    def stored(self) -> int:
        return self.samples[-1][1] if self.samples else 0

    def wait_for(self, count: int, seconds: float) -> None:
        """Until ``count`` clicks are committed, or ``seconds`` have passed."""
        deadline = time.time() + seconds
        while self.stored() < count and time.time() < deadline:
            time.sleep(POLL_SECONDS)


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


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
