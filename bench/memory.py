"""Part 5 (bench/README.md, `memory`): RSS of the web's and the worker's processes after a warm-up
and after the clicks (one link, one agent: the caches hold one entry each once warm)."""

import contextlib
import time

import psutil

from shortener.clicks.enrichment import Enricher
from shortener.links.lookup import CACHE_MAX_ENTRIES

from . import loadgen
from .context import REDIRECT_PATH, Database, Run
from .ingest import watch
from .stack import Child, app_processes


def run_part(run: Run, results: dict) -> list[dict]:
    results["memory_cache_bounds"] = {  # as the app sets them
        "link_cache_entries": CACHE_MAX_ENTRIES,
        "enrichment_cache_agents": Enricher().agent_cache_info().maxsize}
    return [row for database in run.databases for row in measure(run, database)]


def measure(run: Run, database: Database) -> list[dict]:
    plan = run.plan
    run.reset_clicks(database)
    print(f"memory: {database.kind}: RSS before and after {plan.memory_clicks:,} clicks",
          flush=True)
    with app_processes(run, database, "job", REDIRECT_PATH) as (server, worker):
        # gunicorn's workers (not its master, which serves nothing) and the rq worker, which
        # runs the jobs itself (InProcessWorker)
        web = sorted(child.pid for child in psutil.Process(server.process.pid).children())
        pids = {**{f"web worker {index}": pid for index, pid in enumerate(web, start=1)},
                "rq worker": worker.process.pid}
        drive(run, database, server, worker, plan.memory_warmup_clicks)
        before = {name: rss_mib(pid) for name, pid in pids.items()}
        stored = drive(run, database, server, worker, plan.memory_clicks)
        after = {name: rss_mib(pid) for name, pid in pids.items()}
    if stored < plan.memory_clicks:
        run.note(f"memory {database.kind}: {stored:,} of {plan.memory_clicks:,} clicks stored "
                 f"within {plan.memory_cap_seconds:g} s (the cap); RSS read then")
    consistent = run.consistent(database)
    return [{"database": database.kind, "mode": "job", "process": name, "pid": pid,
             "clicks": plan.memory_clicks, "stored": stored, "rss_before_mib": before[name],
             "rss_after_mib": after[name], "consistent": consistent, "growth_mib": None
             if None in (before[name], after[name]) else round(after[name] - before[name], 1)}
            for name, pid in pids.items()]


def drive(run: Run, database: Database, server: Child, worker: Child, clicks: int) -> int:
    """``clicks`` redirects as fast as they are answered, then wait (to the cap) until the
    worker has stored them; how many of them it stored."""
    plan, start, started = run.plan, run.persisted(database), time.monotonic()
    result = loadgen.run(server.url, plan.memory_cap_seconds, plan.connections, clicks,
                         run.workdir)
    answered = sum(count for status, count in result["statuses"].items() if status[0] == "3")
    cap = plan.memory_cap_seconds - (time.monotonic() - started)
    samples = watch(run, database, worker, start + answered, cap)
    worker.check_alive()
    return samples[-1][1] - start


def rss_mib(pid: int) -> float | None:
    """Resident set size of process ``pid`` in MiB; None when it is gone (restarted)."""
    with contextlib.suppress(psutil.NoSuchProcess):
        return round(psutil.Process(pid).memory_info().rss / 2**20, 1)
    return None
