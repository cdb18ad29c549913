"""Batches of jobs run together in one call: job mode's click jobs, each still an RQ job.

The redirect enqueues one ``record_click`` job per click (``Retry``, failure
registry, ``rq info``). Stored one by one, each click costs its own database
transaction and about 8 Redis round trips; stored together, one transaction and
a few round trips serve hundreds. ``BatchWorkerMixin``, on top of
``ReliableWorkerMixin``, claims up to ``JobBatch.size`` waiting jobs of a batched
function at once and keeps what RQ does for each of them:

- claim: one Lua script moves the ids from the queue into its intermediate list,
  as ``LMOVE`` does one (rq#580): a worker killed before it starts them loses
  nothing, maintenance (``IntermediateQueue.cleanup``) fails them and ``Retry``
  requeues them. Only leading ids with the batch's prefix are taken; any other job
  at the head is taken alone and runs as usual.
- start: their hashes in one pipeline, then one transaction registers each as
  started (an RQ ``Execution`` each in ``StartedJobRegistry``, status, worker name),
  so abandoned-job recovery, ``rq info`` and rq-dashboard see each job as they would
  one by one;
- run: one call of the batch function with every job's argument, in the jobs' timeout;
- success: one transaction does for each job what ``handle_job_success`` does
  (status, result with its TTL, ``FinishedJobRegistry``, out of ``StartedJobRegistry``,
  the worker's counters);
- failure: if the batch call raises, each job runs alone through RQ's own
  ``perform_job``, so each gets its own retry, failure entry and log line
  (the batch function must be idempotent per job, as ``record_clicks`` is by click id).

Jobs with callbacks, repeats, rate limits or other arguments than the one the batch
function takes are run alone. ``work()`` counts a batch as one job (``max_jobs``).
Starting and finishing write the keys RQ's own methods write, through RQ's classes
(``Execution``, the registries, ``Result``) but with fewer commands a job (about 11
instead of 24: measured, the bookkeeping otherwise costs several times the batch's
transaction); it leans on how RQ 3.0 lays them out, so setup.cfg pins RQ to the range
tested and tests/background/test_batch_worker.py compares a batch's jobs with jobs run
one by one.

``after_batch_stored`` is a seam between a batch's commit and its jobs' finish, for a test's
worker subclass to crash in (tests/background/crashing_workers.py); here it does nothing.
"""

import uuid
from dataclasses import dataclass

from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.logutils import green
from rq.queue import Queue
from rq.results import Result
from rq.timeouts import JobTimeoutException
from rq.utils import as_text, import_attribute, now, utcformat
from rq.worker import WorkerStatus

# KEYS: the queue, its intermediate list. ARGV: most ids to take, the batch's id prefix.
# Takes the leading ids with the prefix, else the head alone; returns the ids taken.
CLAIM_SCRIPT = """
local ids = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
local taken = 0
for index, id in ipairs(ids) do
  if string.sub(id, 1, #ARGV[2]) ~= ARGV[2] then break end
  taken = index
end
if taken == 0 and #ids > 0 then taken = 1 end
if taken == 0 then return {} end
redis.call('LTRIM', KEYS[1], taken, -1)
redis.call('RPUSH', KEYS[2], unpack(ids, 1, taken))
return {unpack(ids, 1, taken)}
"""


@dataclass(frozen=True)
class JobBatch:
    """Jobs of one function on one queue that run together."""

    size: int  # at most this many jobs at once
    id_prefix: str  # ids the claim takes together (the enqueuer gives them)
    func_name: str  # dotted path of the job's function, called with one argument
    batch_func_name: str  # called with the list of those arguments; returns each job's result


class BatchWorkerMixin:
    """Claims, starts and finishes batches of jobs (``job_batches``, per queue name) together."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.job_batches: dict[str, JobBatch] = {}
        self._claim_script = self.connection.register_script(CLAIM_SCRIPT)
        self._held: list[Job] = []

    # --- claim -----------------------------------------------------------------

    def _claim(self, queue: Queue) -> list[str]:
        batch = self.job_batches.get(queue.name)
        if batch is None:
            return super()._claim(queue)
        return self._claim_batch(queue, batch.size, batch.id_prefix)

    def _claim_after_wake(self, queue: Queue, job_id: str) -> list[str]:
        batch = self.job_batches.get(queue.name)
        if batch is None or not job_id.startswith(batch.id_prefix):
            return [job_id]
        # Those that came with it; a job of another kind taken here runs alone after the batch.
        return [job_id, *self._claim_batch(queue, batch.size - 1, batch.id_prefix)]

    def _claim_batch(self, queue: Queue, size: int, id_prefix: str) -> list[str]:
        keys = [queue.key, queue.intermediate_queue_key]
        return [as_text(job_id) for job_id in self._claim_script(keys=keys, args=[size, id_prefix])]

    def _hold(self, jobs: list[Job]) -> Job:
        """Keep the claimed jobs for ``execute_job``; ``work()`` sees the first."""
        self._held = jobs
        return jobs[0]

    # --- run -------------------------------------------------------------------

    def execute_job(self, job: Job, queue: Queue):
        held, self._held = self._held, []
        batch = self.job_batches.get(queue.name)
        if len(held) < 2 or batch is None:
            for each in held or [job]:
                super().execute_job(each, queue)
            return
        fits = [_batchable(each, batch) for each in held]
        together = [each for each, fit in zip(held, fits, strict=True) if fit]
        alone = [each for each, fit in zip(held, fits, strict=True) if not fit]
        if len(together) > 1:
            self.execute_batch(together, queue, batch)
        else:
            alone = together + alone
        for each in alone:
            super().execute_job(each, queue)

    def execute_batch(self, jobs: list[Job], queue: Queue, batch: JobBatch) -> None:
        executions = self.start_batch(jobs, queue)
        if not self.perform_batch(jobs, queue, executions, batch):
            for job, execution in zip(jobs, executions, strict=True):
                self.perform_job(job, queue, execution)
        self.set_state(WorkerStatus.IDLE)

    def start_batch(self, jobs: list[Job], queue: Queue) -> list[Execution]:
        """What ``prepare_execution`` and ``prepare_job_execution`` do per job, in one transaction:
        each job's execution in StartedJobRegistry (what recovery and the dashboards read), its
        status, start and worker name, and out of the intermediate list. Only the first job's
        execution is saved in full (its hash, the worker's index: ``rq-dashboard``'s "current
        job"); the others are entries of the registry alone, 1 command instead of 7 each."""
        started = queue.started_job_registry
        first, *others = jobs
        ttl = self.get_heartbeat_ttl(first)  # the batch runs in one timeout (perform_batch)
        with self.connection.pipeline() as pipe:
            self.heartbeat(ttl, pipeline=pipe)
            self.set_state(WorkerStatus.BUSY, pipeline=pipe)
            executions = [Execution.create(first, ttl, pipeline=pipe, worker_name=self.name)]
            self.executions[executions[0].id] = executions[0]
            for job in others:
                execution = Execution(uuid.uuid4().hex, job.id, self.connection, worker_name=self.name)
                started.add_execution(execution, pipeline=pipe, ttl=ttl)
                executions.append(execution)
            for job in jobs:
                job.prepare_for_execution(self.name, pipeline=pipe)  # also its last heartbeat
                pipe.persist(job.key)
                pipe.lrem(queue.intermediate_queue_key, 1, job.id)
            pipe.execute()
        self.procline(f"Processing {len(jobs)} jobs of {first.func_name} from {queue.name}")
        return executions

    def perform_batch(self, jobs: list[Job], queue: Queue, executions: list[Execution],
                      batch: JobBatch) -> bool:
        """Run the batch function on the jobs' arguments; True if it returned (jobs finished)."""
        func = import_attribute(batch.batch_func_name)
        timeout = min(job.timeout or self.queue_class.DEFAULT_TIMEOUT for job in jobs)
        try:
            with self.death_penalty_class(timeout, JobTimeoutException, job_id=jobs[0].id):
                results = func([job.args[0] for job in jobs])
        except Exception:  # the jobs' own runs, next, retry or fail each as RQ would
            self.log.warning("Worker %s: %s: a batch of %d jobs failed, running each alone",
                             self.name, green(queue.name), len(jobs), exc_info=True)
            return False
        self.after_batch_stored(jobs)
        self.finish_batch(jobs, queue, executions, results)
        return True

    def after_batch_stored(self, jobs: list[Job]) -> None:
        """Called once the batch's clicks are committed, before its jobs are marked finished."""

    def finish_batch(self, jobs: list[Job], queue: Queue, executions: list[Execution], results: list) -> None:
        """What ``handle_job_success`` does per job, in one transaction: status and end, the
        result with its TTL, FinishedJobRegistry, out of StartedJobRegistry, the worker's counters.
        None has dependents, repeats or a rate limit (``_batchable``); the job hash is updated
        where it changed rather than written whole again; the working time is the batch's."""
        ended = now()
        started, finished = queue.started_job_registry, queue.finished_job_registry
        with self.connection.pipeline() as pipe:
            for job, execution, result in zip(jobs, executions, results, strict=True):
                job._result, job.ended_at = result, ended
                result_ttl = job.get_result_ttl(self.default_result_ttl)
                if result_ttl > 0:
                    stamp = utcformat(ended)  # what Job.save would change, and set_status
                    pipe.hset(job.key, mapping={"status": JobStatus.FINISHED, "ended_at": stamp,
                                                "last_heartbeat": stamp})
                    Result.create(job, Result.Type.SUCCESSFUL, result_ttl, return_value=result,
                                  worker_name=self.name, pipeline=pipe, execution_id=execution.id,
                                  execution_started_at=execution.created_at, execution_ended_at=ended)
                    finished.add(job, result_ttl, pipe)
                    pipe.expire(job.key, result_ttl)
                else:  # kept for ever, or deleted at once: as RQ does it
                    job.last_heartbeat = ended
                    if result_ttl != 0:
                        job._handle_success(result_ttl, pipeline=pipe, worker_name=self.name,
                                            execution_id=execution.id,
                                            execution_started_at=execution.created_at,
                                            execution_ended_at=ended)
                    job.cleanup(result_ttl, pipeline=pipe, remove_from_queue=False)
                job._status = JobStatus.FINISHED
                started.remove_execution(execution, pipeline=pipe)
            self.cleanup_execution(jobs[0], pipeline=pipe, execution=executions[0])
            pipe.hincrby(self.key, "successful_job_count", len(jobs))  # increment_successful_job_count
            self.increment_total_working_time(ended - jobs[0].started_at, pipe)
            pipe.execute()
        for job in jobs:
            job.send_webhooks(JobStatus.FINISHED)
        self.log.info("Worker %s: %s: %d jobs OK in %.3f s, %s to %s", self.name, green(queue.name),
                      len(jobs), (ended - jobs[0].started_at).total_seconds(), jobs[0].id, jobs[-1].id)


def _batchable(job: Job, batch: JobBatch) -> bool:
    """A job the batch function can run as the job would run alone."""
    return (job.func_name == batch.func_name and len(job.args) == 1 and not job.kwargs
            and not (job.success_callback or job.failure_callback or job.stopped_callback)
            and not job.repeats_left and not job.has_rate_limit and not job.webhooks)
