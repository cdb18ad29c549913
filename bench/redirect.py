"""Part 1: redirect throughput and latency under gunicorn, per click-tracking mode.

The bare Flask redirect is measured in the same run as the ceiling, before
and after the modes (a shared machine's load drifts); every mode is reported
as a ratio to the mean of the two. No worker runs meanwhile: the clicks wait
in Redis (queue or buffer) and are counted afterwards, so a fall back to
direct database writes (Redis too slow for REDIS_WEB_TIMEOUT) shows.
"""

from rq import Queue

from shortener.clicks import buffer as click_buffer

from . import cpu, data, load
from .context import Run
from .services import Database
from .stack import web

MODES = ("sync", "job", "buffer")
BARE_PATH = "/bench/go"


def run_part(run: Run) -> list[dict]:
    """The bare ceiling before and after the modes; ratios are to the mean of the two."""
    before = measure(run, None, "bare")
    rows = [measure(run, database, mode) for database in run.databases for mode in MODES]
    after = measure(run, None, "bare")
    after["mode"] = "bare, again"
    ceiling = (before["requests_per_second"] + after["requests_per_second"]) / 2
    drift = abs(before["requests_per_second"] - after["requests_per_second"]) / ceiling
    if drift > 0.15:
        run.note(f"the bare ceiling moved from {before['requests_per_second']:,.0f} to "
                 f"{after['requests_per_second']:,.0f} req/s during the run: the machine's load "
                 "changed; ratios are to the mean of the two")
    for row in [before, *rows, after]:
        row["ceiling_requests_per_second"] = round(ceiling, 1)
        row["ratio_to_bare"] = round(row["requests_per_second"] / ceiling, 3) if ceiling else None
    return [before, *rows, after]


def measure(run: Run, database: Database | None, mode: str, seconds: float | None = None) -> dict:
    plan = run.plan
    seconds = seconds or plan.redirect_seconds
    path = BARE_PATH
    if database is not None:
        path = run.fixtures(database).path
        data.reset_clicks(run.app(database))
        run.redis.clear()
    label = f"{database.kind if database else '-'} / {mode}"
    print(f"redirect: {label}: {seconds:g} s with {run.generator}", flush=True)
    with web(run, database, mode, path) as server:
        load.closed_loop(run.generator, server.url, plan.warmup_seconds, plan.connections,
                         plan.max_requests, run.workdir)
        meter = cpu.Meter(cpu_groups(run, server))
        meter.start()
        result = load.closed_loop(run.generator, server.url, seconds, plan.connections,
                                  plan.max_requests, run.workdir)
        usage = meter.stop(result["requests"])
    row = {"database": database.kind if database else "-", "mode": mode, **result, "cpu": usage}
    if database is not None:
        row["clicks"] = where_clicks_went(run, database)
        if mode != "sync" and row["clicks"]["database"]:
            run.note(f"redirect {label}: {row['clicks']['database']} clicks were written to "
                     "the database by the web process: Redis fell back (REDIS_WEB_TIMEOUT?)")
    return row


def cpu_groups(run: Run, server) -> dict[str, int]:
    groups = {"web": server.process.pid}  # gunicorn leads its workers' group
    redis_group = run.redis.process_group()
    if redis_group:
        groups["redis"] = redis_group
    return groups


def where_clicks_went(run: Run, database: Database) -> dict[str, int]:
    """Clicks of the warm-up and the run, by where they are: rows, queue, buffer."""
    client = run.redis.client
    return {
        "database": data.persisted(database.engine),
        "queue": Queue("clicks", connection=client).count,
        "buffer": click_buffer.pending(client),
    }
