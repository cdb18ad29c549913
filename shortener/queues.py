"""RQ queues, built from config: queue names and retry policies live here only.

Jobs run inside a Flask app context pushed by ``AppJob``; the worker process
builds the app once (``shortener.worker``) before it forks work horses.
"""

from flask import current_app, has_app_context
from rq import Queue, Retry
from rq.job import Job

from .redis_clients import web_redis, worker_redis

CLICKS = "clicks"
EMAIL = "email"
QUEUE_NAMES = (CLICKS, EMAIL)

# Seconds RQ keeps a finished job (and its result). Click jobs keep theirs briefly for speed:
# with 0, RQ deletes the job at once with Job.delete(), which reads the job's status and
# executions outside the completion pipeline (27 Redis round trips per job instead of 20 with
# RQ's own worker, 15-25% fewer clicks/s); with a few seconds the job hash, its result stream
# entry and a FinishedJobRegistry entry are written in that pipeline and expire by themselves
# (about 2 KB a job: 3 MB at 300 clicks/s). Mail jobs keep 0: their arguments carry reset
# tokens, which should not outlive the job, and they are few.
RESULT_TTL = {CLICKS: 5, EMAIL: 0}

_worker_app = None


def bind_worker_app(app) -> None:
    """Remember the app that jobs outside a request should run in (the worker's)."""
    global _worker_app
    _worker_app = app


def job_app():
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from . import create_app

        bind_worker_app(create_app())
    return _worker_app


class AppJob(Job):
    def perform(self):
        with job_app().app_context():
            return super().perform()


def job_policy(queue_name: str) -> dict:
    """Retry, timeout and TTLs for jobs on ``queue_name``, from config."""
    config = current_app.config
    prefix = {CLICKS: "CLICK", EMAIL: "EMAIL"}[queue_name]
    retries = config[f"{prefix}_RETRY_MAX"]
    return {
        "retry": Retry(max=retries, interval=config[f"{prefix}_RETRY_INTERVALS"][:retries])
        if retries
        else None,
        "failure_ttl": config[f"{prefix}_FAILURE_TTL"],
        "job_timeout": config[f"{prefix}_JOB_TIMEOUT"],
        "result_ttl": RESULT_TTL[queue_name],
    }


def get_queue(name: str, *, web: bool = True) -> Queue:
    """The queue ``name`` on the web's timid Redis client, or the worker's patient one."""
    connection = web_redis() if web else worker_redis()
    return Queue(name, connection=connection, job_class=AppJob)


def enqueue(queue_name: str, func, *args, web: bool = True, **options):
    """Enqueue ``func(*args)`` with the queue's policy. Call it after the commit."""
    policy = job_policy(queue_name)
    policy.update(options)
    return get_queue(queue_name, web=web).enqueue(func, args=args, **policy)
