"""Part 3: lag from redirect to row visible, under steady load at half capacity.

gunicorn, the Procfile's worker and (buffer mode) the Procfile's scheduler
run together on the machine; a fixed-rate load (half the redirect capacity
measured for that mode) runs for a while. A poller reads the clicks
committed (the sum of ``click_count``, updated in the same transaction as
the rows) every POLL_SECONDS. Both the worker queue and the buffer are FIFO,
so the k-th click answered is the k-th stored: its lag is the first poll
that saw k clicks, less the time its redirect was answered (the horizontal
distance between the two cumulative curves). Resolution: POLL_SECONDS.
"""

import threading
import time

from shortener.dev.procfile import worker_class as procfile_worker_class

from . import load, redirect
from .context import REDIRECT_PATH, Run
from .loadgen import percentile
from .services import Database
from .stack import running, start_process, start_web, wait_scheduler, wait_worker

MODES = ("job", "buffer")
POLL_SECONDS = 0.1


def target_seconds(mode: str, flush_interval: int) -> float:
    """The p99 lag the issue asks for, per mode."""
    return flush_interval + 2.0 if mode == "buffer" else 2.0


def run_part(run: Run, redirect_rows: list[dict]) -> list[dict]:
    capacity = {(row["database"], row["mode"]): row["requests_per_second"]
                for row in redirect_rows}
    rows = []
    for database in run.databases:
        for mode in MODES:
            measured = capacity.get((database.kind, mode))
            if measured is None:
                probe = redirect.measure(run, database, mode, seconds=run.plan.redirect_seconds / 2)
                measured = probe["requests_per_second"]
            rows.append(measure(run, database, mode, measured))
    return rows


def measure(run: Run, database: Database, mode: str, capacity: float) -> dict:
    plan = run.plan
    rate = round(capacity / 2, 1)
    target = target_seconds(mode, plan.flush_interval)
    run.fixtures(database)
    run.reset_clicks(database)
    print(f"lag: {database.kind} / {mode}: {rate:g} redirects/s for {plan.lag_seconds:g} s",
          flush=True)
    server = start_web(run, database, mode, REDIRECT_PATH)
    worker = start_process(run, database, "worker", mode)
    scheduler = start_process(run, database, "scheduler", mode) if mode == "buffer" else None
    samples: list[tuple[float, int]] = []  # (wall time the query started, clicks committed)
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            started = time.time()
            samples.append((started, run.persisted(database)))
            stop.wait(POLL_SECONDS)

    def stored() -> int:
        return samples[-1][1] if samples else 0

    with running(*filter(None, (server, worker, scheduler))):
        server.wait_ready()
        wait_worker(run, worker)
        if scheduler:
            wait_scheduler(run, scheduler)
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            result = load.fixed_rate(server.url, rate, plan.lag_seconds, plan.lag_connections,
                                     run.workdir)
            answered = result.pop("redirect_times")
            deadline = time.time() + target + plan.lag_slack_seconds
            while stored() < len(answered) and time.time() < deadline:
                time.sleep(POLL_SECONDS)
        finally:
            stop.set()
            poller.join(10)
    lags, unseen = click_lags(answered, samples, time.time())
    return {
        "database": database.kind, "mode": mode, "capacity": capacity,
        "worker_class": procfile_worker_class(),
        "rate": rate, "achieved_rate": result["requests_per_second"],
        "redirects": len(answered), "errors": result["errors"],
        "redirect_latency_ms": result["latency_ms"],
        "stored": stored(), "unseen": unseen,
        "lag_p50_s": _rounded(percentile(lags, 50)),
        "lag_p99_s": _rounded(percentile(lags, 99)),
        "lag_max_s": _rounded(max(lags) if lags else None),
        "lower_bound": unseen > 0,  # unseen clicks count with the time waited for them
        "target_s": target,
        "flush_interval": plan.flush_interval,
        "consistent": run.consistent(database),
    }


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
