"""An RQ worker that cannot drop a job between dequeue and start, and talks to Redis less.

``ReliableWorkerMixin``, on top of RQ's worker:

- dequeues reliably from several queues: every job is moved (``LMOVE``) into
  its queue's intermediate list, as RQ does for a single queue, so a worker
  killed between dequeue and start loses nothing (rq#580): maintenance
  (``IntermediateQueue.cleanup``) fails the stranded job and ``Retry`` runs it;
- talks to Redis less: standalone heartbeats are throttled to the worker's TTL
  and unchanged state writes skipped (about 8 round trips per job, not 20).

Only RQ's overridable worker methods are replaced; RQ itself is not patched.

``after_claim`` is a seam between a claim and the jobs' start, for a test's worker subclass
to crash in (tests/background/crashing_workers.py); here it does nothing.
"""

import math
import time

import redis.exceptions
from rq.exceptions import DequeueTimeout
from rq.job import Job
from rq.logutils import blue, green
from rq.queue import Queue
from rq.utils import as_text, now
from rq.worker import WorkerStatus


class ReliableWorkerMixin:
    """Reliable multi-queue dequeue, fewer round trips; only RQ's overridable methods are replaced."""

    # Longest a job on any queue but the first waits while the worker blocks (see _move_next_job).
    multi_queue_poll_interval = 1.0
    # Seconds of the heartbeat's TTL a standalone heartbeat may leave unrenewed (see heartbeat).
    heartbeat_slack = 45

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._state_in_redis: str | None = None
        self._heartbeat_alive_until = 0.0  # time.monotonic() until which the worker's key lives, at least

    # --- dequeue ---------------------------------------------------------------

    def dequeue_job_and_maintain_ttl(self, timeout: int | None, max_idle_time: int | None = None):
        """RQ's loop (heartbeat, maintenance, idle time, reconnects) around ``_dequeue`` instead of
        ``Queue.dequeue_any``, which pops with BLPOP when listening on several queues."""
        result = None
        qnames = ",".join(self.queue_names())
        self.set_state(WorkerStatus.IDLE)  # written only if the worker has to wait
        self.procline("Listening on " + qnames)
        connection_wait_time = 1.0
        idle_since = now()
        idle_time_left = max_idle_time
        while True:
            try:
                self.heartbeat()
                if self.should_run_maintenance_tasks:
                    self.run_maintenance_tasks()
                if timeout is not None and idle_time_left is not None:
                    timeout = min(timeout, idle_time_left)
                result = self._dequeue(timeout)
                if result is not None:
                    jobs, queue = result
                    self.reorder_queues(reference_queue=queue)
                    for job in jobs:
                        job.redis_server_version = self.get_redis_server_version()
                    self._log_dequeued(jobs, queue)
                    result = self._hold(jobs), queue
                break
            except DequeueTimeout:
                if max_idle_time is not None:
                    idle_time_left = math.ceil(max_idle_time - (now() - idle_since).total_seconds())
                    if idle_time_left <= 0:
                        break
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as conn_err:
                self.log.error("Worker %s: could not connect to Redis instance: %s retrying in %d seconds...",
                               self.name, conn_err, connection_wait_time)
                time.sleep(connection_wait_time)
                connection_wait_time = min(connection_wait_time * self.exponential_backoff_factor,
                                           self.max_connection_wait_time)
        self.heartbeat()
        return result

    def _log_dequeued(self, jobs: list[Job], queue: Queue) -> None:
        job = jobs[0]
        if len(jobs) > 1:
            self.log.info("Worker %s: %s: %d jobs, %s to %s", self.name, green(queue.name), len(jobs),
                          job.id, jobs[-1].id)
        elif self.log_job_description:
            self.log.info("Worker %s: %s: %s (%s)", self.name, green(queue.name), blue(job.description),
                          job.id)
        else:
            self.log.info("Worker %s: %s: %s", self.name, green(queue.name), job.id)

    def _hold(self, jobs: list[Job]) -> Job:
        """The job ``work()`` runs next, of the jobs just claimed (one, without batches)."""
        (job,) = jobs
        return job

    def _dequeue(self, timeout: int | None) -> tuple[list[Job], Queue] | None:
        """The next jobs claimed and their queue; None if all queues are empty and ``timeout`` is None."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            moved = self._move_next_job(timeout, deadline)
            if moved is None:
                return None
            queue, job_ids = moved
            self.after_claim(queue, job_ids)
            jobs = self._fetch_claimed(queue, job_ids)
            if jobs:
                return jobs, queue

    def after_claim(self, queue: Queue, job_ids: list[str]) -> None:
        """Called once ``job_ids`` are in the intermediate list and not yet started."""

    def _fetch_claimed(self, queue: Queue, job_ids: list[str]) -> list[Job]:
        """The claimed jobs' hashes, in one round trip; jobs deleted while queued are dropped
        from the intermediate list (as RQ does: nothing to run)."""
        try:
            found = self.job_class.fetch_many(job_ids, connection=self.connection, serializer=self.serializer)
        except Exception as exc:  # as Queue.dequeue_any: say which job could not be read
            exc.job_id, exc.queue = job_ids[0], queue
            raise
        gone = [job_id for job_id, job in zip(job_ids, found, strict=True) if job is None]
        if gone:
            with self.connection.pipeline(transaction=False) as pipe:
                for job_id in gone:
                    pipe.lrem(queue.intermediate_queue_key, 1, job_id)
                pipe.execute()
        return [job for job in found if job is not None]

    def _claim(self, queue: Queue) -> list[str]:
        """Move the next job of ``queue`` (none if it is empty) into its intermediate list."""
        job_id = self.connection.lmove(queue.key, queue.intermediate_queue_key, "LEFT", "RIGHT")
        return [] if job_id is None else [as_text(job_id)]

    def _claim_after_wake(self, queue: Queue, job_id: str) -> list[str]:
        """The jobs claimed when a blocking wait on ``queue`` moved ``job_id``: that one alone."""
        return [job_id]

    def _move_next_job(self, timeout: int | None, deadline: float | None) -> tuple[Queue, list[str]] | None:
        """Move the first job (or batch, ``_claim``) of the first non-empty queue (in order) into that queue's
        intermediate list, RQ's own mechanism for one queue (``Queue.lmove``), so that
        maintenance (``IntermediateQueue.cleanup``) recovers it if the worker dies before the
        job is registered as started.

        Blocking on several lists: Redis has no multi-source BLMOVE, and BLPOP/BLMPOP pop
        into this process's memory only, so a crash right after them loses the job (rq#580).
        Waiting on a separate wake-up key would need every enqueuer (web, rq-scheduler,
        retries, ``rq requeue``) to signal it, i.e. patching RQ. So, when every queue is
        empty, we block with BLMOVE on the first queue for at most
        ``multi_queue_poll_interval`` seconds, then look at all queues again in order: a job
        on the first queue starts at once, one on another queue within that interval, and
        an idle worker costs a few commands a second. A single queue blocks for the whole
        timeout, as RQ does.
        """
        queues = self._ordered_queues
        while True:
            for queue in queues:
                job_ids = self._claim(queue)
                if job_ids:
                    return queue, job_ids
            if deadline is None:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DequeueTimeout(timeout, [queue.key for queue in queues])
            self._write_state()  # about to wait: let `rq info` show the deferred "idle"
            wait = remaining if len(queues) == 1 else min(remaining, self.multi_queue_poll_interval)
            first = queues[0]
            wait = max(round(wait, 3), 0.01)  # never 0, which blocks forever
            job_id = self.connection.blmove(first.key, first.intermediate_queue_key, wait, "LEFT", "RIGHT")
            if job_id is not None:
                return first, self._claim_after_wake(first, as_text(job_id))

    def prepare_job_execution(self, job: Job, remove_from_intermediate_queue: bool = False) -> None:
        # Every job we dequeue is in an intermediate list, with one queue or several (RQ removes
        # it only with one): take it out in the pipeline that marks it started.
        super().prepare_job_execution(job, remove_from_intermediate_queue=True)

    # --- fewer writes ----------------------------------------------------------

    def heartbeat(self, timeout: int | None = None, pipeline=None):
        """RQ heartbeats before and after every dequeue and after every job: 9 commands, each a
        round trip. A heartbeat in a pipeline costs no round trip and is always sent; a
        standalone one is skipped while the worker's key still lives at least ``ttl - slack``
        seconds (slack: ``heartbeat_slack``, at most half the TTL). So a worker busy with short
        jobs sends none (each job's start refreshes the key in its pipeline), an idle one about
        one every other dequeue timeout. RQ asks for the time to its next heartbeat + 60 s
        (+ 15 s while waiting for a job): the key still outlives the next heartbeat by 15 s."""
        ttl = timeout or self.worker_ttl + 60
        started = time.monotonic()
        slack = min(self.heartbeat_slack, ttl / 2)
        if pipeline is None and self._heartbeat_alive_until - started >= ttl - slack:
            return
        super().heartbeat(timeout, pipeline)
        self._heartbeat_alive_until = started + ttl  # EXPIRE sets, it may also shorten

    def handle_execution_ended(self, job: Job, queue: Queue, heartbeat_ttl: int):
        """RQ stamps the job's ``last_heartbeat`` here on its own round trip, for the callbacks
        that follow. Without callbacks, the job hash is saved with that stamp by the pipeline
        that records the outcome (success, retry or failure) a moment later."""
        if job.success_callback or job.failure_callback:
            return super().handle_execution_ended(job, queue, heartbeat_ttl)
        job.ended_at = job.last_heartbeat = now()

    def set_state(self, state: str, pipeline=None):
        """Skip writing a state Redis already holds. "idle" after a job is written only when the
        worker is about to wait for one (``_write_state``): between two jobs it would be
        overwritten by "busy" at once."""
        if pipeline is None and (state == self._state_in_redis or state == WorkerStatus.IDLE):
            self._state = state
            return
        super().set_state(state, pipeline)
        self._state_in_redis = state

    def _write_state(self) -> None:
        if self._state != self._state_in_redis:
            super().set_state(self._state)
            self._state_in_redis = self._state
