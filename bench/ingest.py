"""Part 2 (bench/README.md, `ingest`): clicks persisted per second by burst workers on a pre-filled
queue or buffer; the rate runs from the first to the last commit seen, without the start-up."""

import time

from shortener.background.queues import CLICKS, enqueue
from shortener.clicks import buffer as click_buffer
from shortener.clicks.enrichment import Enricher
from shortener.clicks.tracking import enqueue_click
from tests.support.procfile import worker_class as procfile_worker_class

from .context import Database, Run, make_events
from .stack import burst_worker, running

FORKING = "shortener.background.worker.Worker"
POLL_SECONDS = 0.05


def run_part(run: Run, results: dict) -> list[dict]:
    results["enrichment"] = enrichment_cost(run.plan.enrichment_clicks)
    plan, procfile_class, rows = run.plan, procfile_worker_class(), []
    for database in run.databases:  # (worker class, processes, clicks, CLICK_JOB_BATCH or default)
        for worker_class, processes, count, batch in (
                (FORKING, 1, plan.ingest_jobs_forking, 1),
                (procfile_class, 1, plan.ingest_jobs_in_process, 1),
                (procfile_class, 1, plan.ingest_jobs_batched, None),
                (procfile_class, 2, plan.ingest_jobs_batched, None)):
            rows.append(measure(run, database, "job", worker_class, count, processes, batch))
        rows.append(measure(run, database, "buffer", procfile_class, plan.ingest_buffer))
    return rows


def enrichment_cost(count: int) -> dict:
    """Microseconds per click of ``Enricher.enrich``: every agent new (parsed) and every agent
    seen before (the per-process cache), on the redirect's events."""
    enricher, result = Enricher(), {}
    enricher.enrich(make_events([0], 1)[0])  # the geo data and parsers load on first use
    new = [{**event, "user_agent": f"{event['user_agent']} bench/{index}"}
           for index, event in enumerate(make_events([0], count))]
    for name, events in (("new_agents_us", new), ("cached_agents_us", make_events([0], count))):
        started = time.perf_counter()
        for event in events:
            enricher.enrich(event)
        result[name] = round((time.perf_counter() - started) * 1e6 / count, 1)
    print(f"ingest: enrichment per click: {result}", flush=True)
    return result


def measure(run: Run, database: Database, mode: str, worker_class: str, count: int,
            processes: int = 1, batch: int | None = None) -> dict:
    """One burst run; ``batch``: the worker's CLICK_JOB_BATCH (None: the default)."""
    events, app = make_events(run.fixtures(database)[1:], count), run.app(database)
    run.reset_clicks(database)
    with app.app_context():
        (prefill_queue if mode == "job" else prefill_buffer)(events)
    # The buffer's flush job stores its batch whatever CLICK_JOB_BATCH.
    batch = (batch or app.config["CLICK_JOB_BATCH"]) if mode == "job" else None
    label = f"{database.kind} / {mode} / {worker_label(worker_class, processes, batch)}"
    print(f"ingest: {label}: {count} clicks waiting", flush=True)
    settings = {"CLICK_JOB_BATCH": batch} if batch else {}
    with running(burst_worker(run, database, worker_class, processes, **settings)) as (worker,):
        samples = watch(run, database, worker, count, run.plan.ingest_cap_seconds)
        exit_code = worker.process.poll()  # None: still running at the cap
    row = {"database": database.kind, "mode": mode, "worker_class": worker_class,
           "processes": processes, "batch": batch, "clicks_waiting": count, **summarize(samples),
           "worker_exit": exit_code, "consistent": run.consistent(database)}
    if row["persisted"] < count:
        run.note(f"ingest {label}: {row['persisted']} of {count} clicks stored within "
                 f"{run.plan.ingest_cap_seconds:g} s (the cap); the rate is over that time")
    return row


def worker_label(worker_class: str, processes: int, batch: int | None = None) -> str:
    name = worker_class.rpartition(".")[2]
    if batch is not None and worker_class != FORKING:
        name += ", one job at a time" if batch <= 1 else f", batches of {batch}"
    return name if processes == 1 else f"worker-pool -n {processes} of {name}"


def prefill_queue(events: list[dict]) -> None:
    """Jobs enqueued as ``tracking`` enqueues them: the app's helper, the click id as job id."""
    for event in events:
        enqueue_click(event, web=False)


def prefill_buffer(events: list[dict]) -> None:
    """Events pushed as ``click_buffer.push`` pushes them, then one flush job enqueued."""
    from jobs.clicks import flush_click_buffer
    from shortener.background.redis_clients import worker_redis

    for start in range(0, len(events), 1000):
        worker_redis().lpush(click_buffer.BUFFER, *map(click_buffer.encode, events[start:start + 1000]))
    enqueue(CLICKS, flush_click_buffer, web=False, retry=None)


def watch(run: Run, database: Database, worker, count: int, cap: float) -> list:
    """(seconds since start, clicks persisted) until all are in, the worker exits, or ``cap``."""
    start, samples = time.monotonic(), [(0.0, 0)]
    while True:
        alive = worker.running()  # read before the count: a last commit is not missed
        persisted, now = run.persisted(database), time.monotonic() - start
        if persisted != samples[-1][1]:
            samples.append((now, persisted))
        if persisted >= count or now > cap or not alive:
            return samples
        time.sleep(POLL_SECONDS)


def summarize(samples: list[tuple[float, int]]) -> dict:
    """Rate between the first and the last commit seen; wall time from the worker's start."""
    first_t, first_n = next(((t, n) for t, n in samples if n > 0), samples[-1])
    last_t, last_n = samples[-1]
    rate = (last_n - first_n) / (last_t - first_t) if last_t > first_t else None
    return {"persisted": last_n, "seconds": round(last_t - first_t, 3) if last_n else None,
            "clicks_per_second": round(rate, 1) if rate else (None if last_n else 0.0),
            "wall_seconds": round(last_t, 3),
            "wall_clicks_per_second": round(last_n / last_t, 1) if last_t else None}
