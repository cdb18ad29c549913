"""Part 1: redirect throughput and latency under gunicorn, per click-tracking mode.

The bare Flask redirect is measured in the same run as the ceiling, before
and after the modes (a shared machine's load drifts); every mode is reported
as a ratio to the mean of the two. No worker runs meanwhile: the clicks wait
in Redis (queue or buffer) and are counted afterwards, so a fall back to
direct database writes (Redis too slow for REDIS_WEB_TIMEOUT) shows.
"""

import contextlib
import os
import threading
import time

import psutil
from rq import Queue

from shortener.blocklist import manage as blocklist
from shortener.clicks import buffer as click_buffer

from . import load
from .context import REDIRECT_PATH, Run
from .services import Database
from .stack import web, web_worker_class

MODES = ("off", "sync", "job", "buffer")
BLOCKLISTED = 100_000
BLOCKLISTED_MODE = f"off, {BLOCKLISTED:,} blocked"


def run_part(run: Run) -> list[dict]:
    """The bare ceiling before and after the modes; ratios are to the mean of the two. With
    several worker classes each run is repeated under each, one after the other, so that
    they share the machine's drift; each class has its own ceiling."""
    classes = run.plan.web_worker_classes or (web_worker_class(),)
    before = [measure(run, None, "bare", worker_class=name) for name in classes]
    rows = [measure(run, database, mode, worker_class=name)
            for database in run.databases for mode in MODES for name in classes]
    rows += [measure_blocklisted(run, database, name) for database in run.databases for name in classes]
    after = [measure(run, None, "bare", worker_class=name) for name in classes]
    for row in after:
        row["mode"] = "bare, again"
    for name, first, last in zip(classes, before, after, strict=True):
        set_ratios(run, [first, *(row for row in rows if row["worker_class"] == name), last],
                   first, last)
    compare_classes(rows, classes[0])
    note_blocklist_cost(run, rows)
    return [*before, *rows, *after]


def measure_blocklisted(run: Run, database: Database, worker_class: str) -> dict:
    """``off`` again with BLOCKLISTED domains blocked (none the link's): what the check costs a
    redirect, next to the ``off`` row of the same run. The mode nearest the bare route: it shows most."""
    path = os.path.join(run.workdir, "blocklist.txt")
    with open(path, "w") as handle:
        handle.writelines(f"blocked{index}.example\n" for index in range(BLOCKLISTED))
    with run.app(database).app_context():
        blocklist.sync_file(path)
    try:
        row = measure(run, database, "off", worker_class=worker_class)
    finally:
        with run.app(database).app_context():
            blocklist.sync_file(None)
    return {**row, "mode": BLOCKLISTED_MODE}


def note_blocklist_cost(run: Run, rows: list[dict]) -> None:
    plain = {(row["database"], row["worker_class"]): row for row in rows if row["mode"] == "off"}
    for row in (row for row in rows if row["mode"] == BLOCKLISTED_MODE):
        without = plain[(row["database"], row["worker_class"])]["ratio_to_bare"]
        row["ratio_change"] = round(row["ratio_to_bare"] - without, 3) if without else None
        run.note(f"redirect {row['database']} / {row['worker_class']}: ratio to bare {without} without "
                 f"a blocklist, {row['ratio_to_bare']} with {BLOCKLISTED:,} entries (target: within 0.02)")


def set_ratios(run: Run, rows: list[dict], before: dict, after: dict) -> None:
    ceiling = (before["requests_per_second"] + after["requests_per_second"]) / 2
    drift = abs(before["requests_per_second"] - after["requests_per_second"]) / ceiling
    if drift > 0.15:
        run.note(f"the bare ceiling ({before['worker_class']}) moved from "
                 f"{before['requests_per_second']:,.0f} to {after['requests_per_second']:,.0f} "
                 "req/s during the run: the machine's load changed; ratios are to the mean")
    for row in rows:
        row["ceiling_requests_per_second"] = round(ceiling, 1)
        row["ratio_to_bare"] = round(row["requests_per_second"] / ceiling, 3) if ceiling else None


def compare_classes(rows: list[dict], first: str) -> None:
    """Each row's req/s as a ratio to the same database and mode under the ``first`` class."""
    reference = {(row["database"], row["mode"]): row["requests_per_second"]
                 for row in rows if row["worker_class"] == first}
    for row in rows:
        base = reference.get((row["database"], row["mode"]))
        row["ratio_to_first_class"] = round(row["requests_per_second"] / base, 3) if base else None


def measure(run: Run, database: Database | None, mode: str, seconds: float | None = None,
            worker_class: str | None = None) -> dict:
    plan = run.plan
    seconds = seconds or plan.redirect_seconds
    if database is not None:
        run.fixtures(database)
        run.reset_clicks(database)
    worker_class = web_worker_class(worker_class)
    label = f"{database.kind if database else '-'} / {mode} / {worker_class}"
    print(f"redirect: {label}: {seconds:g} s with {run.generator}", flush=True)
    with web(run, database, mode, REDIRECT_PATH, worker_class) as server:
        load.closed_loop(run.generator, server.url, plan.warmup_seconds, plan.connections,
                         plan.max_requests, run.workdir)
        # gunicorn's master and its workers; Redis when it runs on this machine
        meter = CpuMeter({"web": server.process.pid, "redis": run.redis.pid()})
        sampled: list[list[int]] = []  # the spread at mid-run, once
        spread = threading.Timer(seconds / 2, lambda: sampled.append(
            connections_per_worker(server.process.pid, server.port)))
        spread.start()
        result = load.closed_loop(run.generator, server.url, seconds, plan.connections,
                                  plan.max_requests, run.workdir)
        spread.cancel()
        usage = meter.stop(result["requests"])
    row = {"database": database.kind if database else "-", "mode": mode,
           "worker_class": worker_class, "procfile": worker_class == web_worker_class(),
           **result, "cpu": usage,
           "connections_per_worker": sampled[0] if sampled else None}
    if database is not None:
        row["clicks"] = clicks_by_place(run, database, label, mode)
    return row


def clicks_by_place(run: Run, database: Database, label: str, mode: str) -> dict:
    """Clicks of the warm-up and the run by where they are: rows, queue, buffer; rows in any
    mode but ``sync`` mean the web process fell back to the database."""
    clicks = {"database": run.persisted(database),
              "queue": Queue("clicks", connection=run.redis.client).count,
              "buffer": click_buffer.pending(run.redis.client)}
    if mode != "sync" and clicks["database"]:
        run.note(f"redirect {label}: {clicks['database']} clicks were written to the database "
                 "by the web process: Redis fell back (REDIS_WEB_TIMEOUT?)")
    return clicks


class CpuMeter:
    """CPU used by some processes (with their descendants) and by the machine, from now to
    ``stop()``. Throughput alone cannot tell a slow request from a busy machine: CPU
    milliseconds per request can, and the machine's busy share shows when the cores ran out
    (the load generator and any other work included)."""

    def __init__(self, pids: dict[str, int | None]):
        self.pids = {name: pid for name, pid in pids.items() if pid}
        self.wall = time.monotonic()
        self.used = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self.machine = psutil.cpu_times()

    def stop(self, requests: int) -> dict:
        wall = time.monotonic() - self.wall
        after = psutil.cpu_times()
        total = sum(after) - sum(self.machine)
        idle = sum(getattr(after, name, 0) - getattr(self.machine, name, 0)
                   for name in ("idle", "iowait"))
        result = {"machine_busy": round((total - idle) / total, 3) if total else None}
        for name, pid in self.pids.items():
            used = cpu_seconds(pid) - self.used[name]
            result[f"{name}_cores"] = round(used / wall, 2)
            result[f"{name}_ms_per_request"] = round(used * 1000 / requests, 3) if requests else None
        return result


def connections_per_worker(master_pid: int, port: int) -> list[int]:
    """Established connections to ``port`` held by each gunicorn worker, busiest first: whether
    the load generator's keep-alive connections were spread over the processes."""
    held = []
    with contextlib.suppress(psutil.NoSuchProcess):
        for worker in psutil.Process(master_pid).children():
            with contextlib.suppress(psutil.NoSuchProcess):
                held.append(sum(1 for c in worker.net_connections("tcp")
                                if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port))
    return sorted(held, reverse=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its live descendants."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):  # gone meanwhile
            times = process.cpu_times()
            total += times.user + times.system
    return total
