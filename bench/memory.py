"""Part 5: resident memory (RSS) of the web's and the worker's processes before and after
100,000 clicks (quick: 5,000), in job mode (the default).

gunicorn with the Procfile's web line and one Procfile ``worker`` run together. A warm-up
(redirects and their jobs) loads what is loaded on first use; RSS is read once everything
it sent is stored, then again once the clicks of the run are (or at the cap). Every click
goes to one link with one user agent, so the per-process caches hold one entry each once
warm: the link cache (at most ``CACHE_MAX_ENTRIES`` links, for ``LINK_CACHE_SECONDS``) and
the enrichment cache (at most the Enricher's ``cache_size`` agents). Growth past the
warm-up is therefore not a cache filling; with many links and agents those caches add up
to their bound, and no more.
"""

import contextlib
import time

import psutil

from shortener.clicks.enrichment import Enricher
from shortener.links.lookup import CACHE_MAX_ENTRIES

from . import load
from .context import REDIRECT_PATH, Run
from .ingest import watch
from .services import Database
from .stack import Child, WebServer, app_processes


def cache_bounds() -> dict:
    """The bounds of the per-process caches, as the app sets them."""
    return {"link_cache_entries": CACHE_MAX_ENTRIES,
            "enrichment_cache_agents": Enricher().agent_cache_info().maxsize}


def run_part(run: Run, results: dict) -> list[dict]:
    results["memory_cache_bounds"] = cache_bounds()
    return [row for database in run.databases for row in measure(run, database)]


def measure(run: Run, database: Database) -> list[dict]:
    plan = run.plan
    run.fixtures(database)
    run.reset_clicks(database)
    print(f"memory: {database.kind}: RSS before and after {plan.memory_clicks:,} clicks",
          flush=True)
    with app_processes(run, database, "job", REDIRECT_PATH) as (server, worker):
        pids = process_ids(server, worker)
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
             "rss_after_mib": after[name], "growth_mib": _growth(before[name], after[name]),
             "consistent": consistent}
            for name, pid in pids.items()]


def process_ids(server: WebServer, worker: Child) -> dict[str, int]:
    """gunicorn's workers (not its master, which serves nothing) and the rq worker, which runs
    the jobs itself (InProcessWorker)."""
    web = sorted(child.pid for child in psutil.Process(server.process.pid).children())
    return {**{f"web worker {index}": pid for index, pid in enumerate(web, start=1)},
            "rq worker": worker.process.pid}


def drive(run: Run, database: Database, server: WebServer, worker: Child, clicks: int) -> int:
    """``clicks`` redirects as fast as they are answered, then wait (to the cap) until the
    worker has stored them; how many of them it stored."""
    plan, start, started = run.plan, run.persisted(database), time.monotonic()
    result = load.closed_loop("python", server.url, plan.memory_cap_seconds, plan.connections,
                              clicks, run.workdir)
    answered = sum(count for status, count in result["statuses"].items()
                   if status.startswith("3"))
    cap = plan.memory_cap_seconds - (time.monotonic() - started)
    samples = watch(run, database, worker, start + answered, cap)
    worker.check_alive()
    return samples[-1][1] - start


def rss_mib(pid: int) -> float | None:
    """Resident set size of process ``pid`` in MiB; None when it is gone (restarted)."""
    with contextlib.suppress(psutil.NoSuchProcess):
        return round(psutil.Process(pid).memory_info().rss / 2**20, 1)
    return None


def _growth(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(after - before, 1)
