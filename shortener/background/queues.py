"""RQ queues, built from config: queue names and retry policies live here only.

Jobs are enqueued by dotted path (``"jobs.clicks.record_click"``), so the app
never imports ``jobs/``; the worker classes (``worker.py``) run each job
inside the app's context.
"""

from typing import NamedTuple

from flask import current_app
from rq import Callback, Queue, Retry

from .redis_clients import web_redis, worker_redis

CLICKS = "clicks"
EMAIL = "email"
IMPORTS = "imports"  # CSV imports: long jobs, kept off the clicks and email queues
TITLES = "titles"  # fetching new links' page titles: slow sites wait here, not on clicks or mail
QUEUE_NAMES = (CLICKS, EMAIL, IMPORTS, TITLES)
# A record_click job's id is this and its click's id: never two jobs for one click, and the
# worker claims a run of them together (worker.click_job_batches).
CLICK_JOB_ID_PREFIX = "click-"
# Seconds RQ keeps a finished job (and its result). Click jobs keep theirs briefly for speed:
# with 0, RQ deletes the job at once with Job.delete(), which reads the job's status and
# executions outside the completion pipeline: with RQ's own worker, 27 Redis round trips a
# job instead of 20, and 6-16% fewer clicks/s as measured here. With a few
# seconds, the job hash, its result and a FinishedJobRegistry entry are written in that
# pipeline and expire by themselves: about 6 KB a job, under 10 MB at 300 clicks/s. Mail jobs
# keep 0: their arguments carry password-reset tokens, which should not outlive the job.
# Import jobs keep 0 too: their progress and report live in the imports table; title jobs'
# result is the link's title.
RESULT_TTL = {CLICKS: 5, EMAIL: 0, IMPORTS: 0, TITLES: 0}


class PolicySettings(NamedTuple):
    """The names of the settings of one queue's policy."""

    retry_max: str
    retry_intervals: str
    failure_ttl: str
    job_timeout: str


POLICY_SETTINGS = {
    CLICKS: PolicySettings("CLICK_RETRY_MAX", "CLICK_RETRY_INTERVALS", "CLICK_FAILURE_TTL",
                           "CLICK_JOB_TIMEOUT"),
    EMAIL: PolicySettings("EMAIL_RETRY_MAX", "EMAIL_RETRY_INTERVALS", "EMAIL_FAILURE_TTL",
                          "EMAIL_JOB_TIMEOUT"),
    IMPORTS: PolicySettings("IMPORT_RETRY_MAX", "IMPORT_RETRY_INTERVALS", "IMPORT_FAILURE_TTL",
                            "IMPORT_JOB_TIMEOUT"),
    TITLES: PolicySettings("TITLE_RETRY_MAX", "TITLE_RETRY_INTERVALS", "TITLE_FAILURE_TTL",
                           "TITLE_JOB_TIMEOUT"),
}


def job_policy(queue_name: str) -> dict:
    """Retry, timeout and TTLs for jobs on ``queue_name``, from config."""
    config = current_app.config
    settings = POLICY_SETTINGS[queue_name]
    retries = config[settings.retry_max]
    return {
        "retry": Retry(max=retries, interval=config[settings.retry_intervals][:retries])
        if retries
        else None,
        "failure_ttl": config[settings.failure_ttl],
        "job_timeout": config[settings.job_timeout],
        "result_ttl": RESULT_TTL[queue_name],
    }


def get_queue(name: str, *, web: bool = True) -> Queue:
    """The queue ``name`` on the web's timid Redis client, or the worker's patient one."""
    return Queue(name, connection=web_redis() if web else worker_redis())


def enqueue(queue_name: str, func: str, *args, web: bool = True, on_failure: str | None = None, **options):
    """Enqueue the job at dotted path ``func`` with the queue's policy. Call it after the commit.

    ``on_failure``: the dotted path of RQ's failure callback, ``f(job, connection, type, value,
    traceback)``; RQ calls it after every failed attempt, retried or not.
    """
    if on_failure is not None:
        options["on_failure"] = Callback(on_failure)
    return _enqueue(queue_name, func, args, web, options, count=False)[0]


def enqueue_counting(queue_name: str, func: str, *args, web: bool = True, **options) -> tuple[object, int]:
    """As ``enqueue``; also how many jobs wait on the queue with this one, read in the same round trip."""
    return _enqueue(queue_name, func, args, web, options, count=True)


def _enqueue(queue_name: str, func: str, args: tuple, web: bool, options: dict, count: bool):
    policy = job_policy(queue_name)
    policy.update(options)
    queue = get_queue(queue_name, web=web)
    # One MULTI/EXEC round trip instead of RQ's two: it matters on the redirect.
    with queue.connection.pipeline() as pipe:
        job = queue.enqueue(func, args=args, pipeline=pipe, **policy)
        if count:
            pipe.llen(queue.key)
        results = pipe.execute()
    return job, (results[-1] if count else None)
