"""Part 1 (bench/README.md, `redirect`): the redirect per click-tracking mode under gunicorn, as a
ratio to a bare Flask redirect measured before and after them (a shared machine's load drifts)."""

import contextlib
import os
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial

import psutil
from rq import Queue

from shortener.blocklist import manage as blocklist
from shortener.clicks import buffer as click_buffer

from . import loadgen
from .context import REDIRECT_PATH, Database, Run
from .stack import Child, app_processes

MODES = ("off", "sync", "job", "buffer")
BLOCKLISTED = 100_000
BLOCKLISTED_MODE = f"off, {BLOCKLISTED:,} blocked"
BLOCKLISTED_DROP = 0.02  # the most the blocklist may lower the ratio to bare (issue 22)
ROUNDS = 2  # variant rows interleaved with ``off`` rows: off, variant, off, variant, off


def run_part(run: Run, results: dict) -> list[dict]:
    before = measure(run, None, "bare")
    rows = [measure(run, database, mode) for database in run.databases for mode in MODES]
    rows += [measure_against_off(run, database, BLOCKLISTED_MODE, BLOCKLISTED_DROP,
                                 partial(blocklisted, run, database))
             for database in run.databases]
    after = {**measure(run, None, "bare"), "mode": "bare, again"}
    first, last = before["requests_per_second"], after["requests_per_second"]
    ceiling = (first + last) / 2
    if abs(first - last) > 0.15 * ceiling:
        run.note(f"the bare ceiling moved from {first:,.0f} to {last:,.0f} req/s during the run: "
                 "the machine's load changed; ratios are to the mean")
    rows = [before, *rows, after]
    for row in rows:
        row["ceiling_requests_per_second"] = round(ceiling, 1)
        row["ratio_to_bare"] = round(row["requests_per_second"] / ceiling, 3) if ceiling else None
        if "off_requests_per_second" in row:
            note_variant(run, row, ceiling)
    return rows


def note_variant(run: Run, row: dict, ceiling: float) -> None:
    """The variant's move of the ratio to bare against the ``off`` rows measured around it."""
    off = row["off_requests_per_second"]
    row["ratio_change"] = round((row["requests_per_second"] - off) / ceiling, 3) if ceiling else None
    row["ms_per_request_change"] = round(row["web_ms_per_request"] - row["off_web_ms_per_request"], 3)
    run.note(f"redirect {row['database']} / {row['mode']}: ratio to bare moves by "
             f"{row['ratio_change']:+} against the off rounds around it (web CPU "
             f"{row['off_web_ms_per_request']} -> {row['web_ms_per_request']} ms a request)")


def measure_against_off(run: Run, database: Database, label: str, drop_limit: float,
                        variant: Callable[[], AbstractContextManager], path: str = REDIRECT_PATH) -> dict:
    """``off`` with a variant (a context manager's factory: it sets it up and takes it down) in ROUNDS
    rounds, each between two plain ``off`` rounds, so a load that drifts through the run moves
    both sides alike: the row is the variant's mean, with the mean of the off rounds beside it."""
    seconds = run.plan.redirect_seconds / ROUNDS
    plain = [measure(run, database, "off", seconds)]
    varied = []
    for _ in range(ROUNDS):
        with variant():
            varied.append(measure(run, database, "off", seconds, path))
        plain.append(measure(run, database, "off", seconds))
    row = {**varied[-1], "mode": label, "rounds": ROUNDS, "ratio_drop_limit": drop_limit}
    for key in ("requests_per_second", "web_ms_per_request"):
        row[key] = _mean(r[key] for r in varied)
        row[f"off_{key}"] = _mean(r[key] for r in plain)
    return row


def _mean(values) -> float:
    values = [value for value in values if value is not None]
    return round(sum(values) / len(values), 3) if values else 0.0


@contextlib.contextmanager
def blocklisted(run: Run, database: Database):
    """BLOCKLISTED domains blocked (none the link's): what the check costs a redirect."""
    path = os.path.join(run.workdir, "blocklist.txt")
    with open(path, "w") as handle:
        handle.writelines(f"blocked{index}.example\n" for index in range(BLOCKLISTED))
    with run.app(database).app_context():
        blocklist.sync_file(path)
    try:
        yield
    finally:
        with run.app(database).app_context():
            blocklist.sync_file(None)


def measure(run: Run, database: Database | None, mode: str, seconds: float | None = None,
            path: str = REDIRECT_PATH) -> dict:
    plan, seconds = run.plan, seconds or run.plan.redirect_seconds
    if database is not None:
        run.reset_clicks(database)
    label = f"{database.kind if database else '-'} / {mode}"
    print(f"redirect: {label}: {seconds:g} s", flush=True)
    with app_processes(run, database, mode, path, workers=False) as (server, _):
        loadgen.run(server.url, plan.warmup_seconds, plan.connections, plan.max_requests,
                    run.workdir)
        spread: list[list[int]] = []  # connections per gunicorn worker at mid-run
        timer = threading.Timer(seconds / 2, lambda: spread.append(connections_per_worker(server)))
        timer.start()
        web_cpu, _ = cpu_seconds(server.process.pid), psutil.cpu_percent()  # both from now
        result = loadgen.run(server.url, seconds, plan.connections, plan.max_requests, run.workdir)
        timer.cancel()
        web_cpu, busy = cpu_seconds(server.process.pid) - web_cpu, psutil.cpu_percent()
    requests = result["requests"]
    row = {"database": database.kind if database else "-", "mode": mode, **result,
           "web_cores": round(web_cpu / result["seconds"], 2) if result["seconds"] else None,
           "web_ms_per_request": round(web_cpu * 1000 / requests, 3) if requests else None,
           "machine_busy": round(busy / 100, 3), "connections_per_worker": (spread or [None])[0]}
    if database is not None:
        row["clicks"] = clicks_by_place(run, database, label, mode)
    return row


def clicks_by_place(run: Run, database: Database, label: str, mode: str) -> dict:
    """Clicks of the warm-up and the run by where they are: rows, queue, buffer; rows in any
    mode but ``sync`` mean the web process fell back to the database."""
    clicks = {"database": run.persisted(database),
              "queue": Queue("clicks", connection=run.redis).count,
              "buffer": click_buffer.pending(run.redis)}
    if mode != "sync" and clicks["database"]:
        run.note(f"redirect {label}: {clicks['database']} clicks were written to the database "
                 "by the web process: Redis fell back (REDIS_WEB_TIMEOUT?)")
    return clicks


def connections_per_worker(server: Child) -> list[int]:
    """Established connections to the port held by each gunicorn worker, busiest first: whether
    the load generator's keep-alive connections were spread over the processes."""
    held = []
    for worker in psutil.Process(server.process.pid).children():
        with contextlib.suppress(psutil.NoSuchProcess):
            held.append(sum(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == server.port
                            for c in worker.net_connections("tcp")))
    return sorted(held, reverse=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (gunicorn's master) and its live children."""
    root, total = psutil.Process(pid), 0.0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):  # gone meanwhile
            times = process.cpu_times()
            total += times.user + times.system
    return total
