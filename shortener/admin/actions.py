"""The status page's actions, as plain functions the page and the CLI share."""

import redis
from flask import current_app
from rq import Queue
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job

from ..background.queues import CLICKS, enqueue
from ..clicks import buffer
from ..clicks.fallback import replay_spool

FLUSH_JOB = "jobs.clicks.flush_click_buffer"


def failed_jobs(client: redis.Redis, queue_name: str) -> list:
    """The failed jobs of a queue, most recent failure first (ids whose job expired are skipped)."""
    registry = Queue(queue_name, connection=client).failed_job_registry
    job_ids = registry.get_job_ids(desc=True, cleanup=False)
    return [job for job in Job.fetch_many(job_ids, connection=client) if job is not None]


def requeue_failed(client: redis.Redis, queue_name: str) -> int:
    """Put every failed job of ``queue_name`` back on its queue; return how many."""
    registry = Queue(queue_name, connection=client).failed_job_registry
    requeued = 0
    for job_id in registry.get_job_ids(cleanup=False):
        try:
            registry.requeue(job_id)
        except NoSuchJobError:
            registry.remove(job_id)  # its data expired: nothing left to run
        except InvalidJobOperation:
            continue  # someone else requeued or removed it meanwhile
        else:
            requeued += 1
    return requeued


def flush_click_buffer_now() -> str:
    """Enqueue a buffer flush now instead of waiting for the schedule; return its job id."""
    # As the schedule's flush: no retry (the next scheduled one is the retry), time for its budget.
    timeout = int(current_app.config["CLICK_FLUSH_TIME_BUDGET"]) + 60
    return enqueue(CLICKS, FLUSH_JOB, web=False, retry=None, job_timeout=timeout).id


def replay_local_spool() -> int:
    """Replay this host's spool (other hosts replay their own); return clicks newly stored."""
    return replay_spool()


def return_stale_processing(client: redis.Redis) -> int:
    """Give batches of dead flushes (older than CLICK_BUFFER_TIMEOUT) back to the buffer."""
    return buffer.requeue_stale(client, current_app.config["CLICK_BUFFER_TIMEOUT"])
