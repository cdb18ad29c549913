"""What the operator needs to see: queues, workers, the scheduler and the click pipeline.

Plain data gathered from Redis (RQ's registries, rq-scheduler's keys, the
click buffer), the local spool and the clicks table. Read-only: registry
counts skip RQ's cleanup, which is the workers' maintenance job.
"""

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.job import Job
from rq_scheduler import Scheduler
from sqlalchemy import func, select

from ..background import redis_health, schedule
from ..background.queues import CLICKS, QUEUE_NAMES
from ..clicks import buffer, spool
from ..clicks.models import Click
from ..extensions import db
from ..timeutil import utcnow

# Counting stored clicks stops here: the page stays cheap at any traffic.
STORED_COUNT_CAP = 100_000


@dataclass
class QueueStatus:
    name: str
    waiting: int
    oldest_waiting_age: float | None  # seconds
    started: int
    failed: int
    scheduled: int
    deferred: int


@dataclass
class WorkerStatus:
    name: str
    queues: list[str]
    state: str
    current_job: str | None
    last_heartbeat: datetime | None
    successful: int
    failed: int


@dataclass
class PeriodicStatus:
    name: str
    every: str
    next_run: datetime | None
    last_run: datetime | None  # when rq-scheduler last enqueued it (the job's enqueued_at)


@dataclass
class SchedulerStatus:
    lock_held: bool  # rq-scheduler holds its lock only while it enqueues, a moment per interval
    live_instances: int  # scheduler processes whose heartbeat key is alive
    periodic: list[PeriodicStatus]


@dataclass
class ClickPipelineStatus:
    buffer_length: int
    processing: list[tuple[str, int, float]]  # (list key, events, age in seconds)
    spool_local: int  # this host's spool only: other hosts' disks are not visible
    oldest_pending_age: float | None
    stored_last_minute: int
    stored_last_hour: int


@dataclass
class Status:
    queues: list[QueueStatus] = field(default_factory=list)
    workers: list[WorkerStatus] = field(default_factory=list)
    scheduler: SchedulerStatus | None = None
    clicks: ClickPipelineStatus | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        return bool(self.warnings)


def gather(client: redis.Redis, config) -> Status:
    """Everything on the status page; an unreachable Redis becomes a warning, not an error."""
    status = Status()
    try:
        status.queues = [queue_status(Queue(name, connection=client)) for name in QUEUE_NAMES]
        status.workers = worker_statuses(client)
        status.scheduler = scheduler_status(client, config)
        status.warnings += redis_health.persistence_warnings(client, config["APP_ENV"] == "production")
        status.clicks = click_pipeline_status(client, config["CLICK_SPOOL_DIR"])
    except RedisError as exc:
        status.warnings.append(f"Redis is unreachable: {exc}")
    status.warnings += attention_points(status)
    return status


def attention_points(status: Status) -> list[str]:
    points = [f"{queue.failed} failed jobs on {queue.name}" for queue in status.queues if queue.failed]
    if status.queues and not status.workers:
        points.append("no worker is running")
    if status.scheduler and not status.scheduler.live_instances:
        points.append("no scheduler is running: periodic jobs (buffer flush, spool replay) do not run")
    return points


def _age(then: datetime | None) -> float | None:
    if then is None:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - then).total_seconds())


def queue_status(queue: Queue) -> QueueStatus:
    def registry_count(registry) -> int:
        return registry.get_job_count(cleanup=False)

    return QueueStatus(
        name=queue.name,
        waiting=queue.count,
        oldest_waiting_age=_age(_oldest_enqueued_at(queue)),
        started=registry_count(queue.started_job_registry),
        failed=registry_count(queue.failed_job_registry),
        scheduled=registry_count(queue.scheduled_job_registry),
        deferred=registry_count(queue.deferred_job_registry),
    )


def _oldest_enqueued_at(queue: Queue) -> datetime | None:
    # Jobs are pushed on the right and popped from the left: index 0 waited longest.
    job_ids = queue.get_job_ids(0, 1)
    job = queue.fetch_job(job_ids[0]) if job_ids else None
    return job.enqueued_at if job else None


def worker_statuses(client: redis.Redis) -> list[WorkerStatus]:
    return [
        WorkerStatus(
            name=worker.name,
            queues=worker.queue_names(),
            state=str(getattr(worker.get_state(), "value", worker.get_state())),
            current_job=worker.get_current_job_id(),
            last_heartbeat=worker.last_heartbeat,
            successful=worker.successful_job_count,
            failed=worker.failed_job_count,
        )
        for worker in sorted(Worker.all(connection=client), key=lambda worker: worker.name)
    ]


def scheduler_status(client: redis.Redis, config) -> SchedulerStatus:
    scheduler = Scheduler(connection=client)
    next_runs = dict(schedule.upcoming(scheduler))
    periodic = [
        PeriodicStatus(definition.name, definition.describe(), next_runs.get(definition.job_id),
                       _last_enqueued(client, definition.job_id))
        for definition in schedule.periodic_jobs(config)
    ]
    instances = client.keys(Scheduler.redis_scheduler_namespace_prefix + "*")
    live = [key for key in instances if not client.hexists(key, "death")]
    return SchedulerStatus(bool(client.exists(Scheduler.scheduler_lock_key)), len(live), periodic)


def _last_enqueued(client: redis.Redis, job_id: str) -> datetime | None:
    job = Job.fetch(job_id, connection=client) if client.exists(Job.key_for(job_id)) else None
    return job.enqueued_at if job else None


def click_pipeline_status(client: redis.Redis, spool_dir: str) -> ClickPipelineStatus:
    now = datetime.now(UTC).timestamp()
    processing = [
        (key.decode(), client.llen(key), max(0.0, now - moved_at))
        for key, moved_at in client.zrange(buffer.PROCESSING, 0, -1, withscores=True)
    ]
    oldest = _oldest_pending(client, [key for key, _, _ in processing], spool_dir)
    minute, hour = stored_since(timedelta(minutes=1)), stored_since(timedelta(hours=1))
    return ClickPipelineStatus(client.llen(buffer.BUFFER), processing, spool.pending(spool_dir),
                               _age(oldest), minute, hour)


def _oldest_pending(client: redis.Redis, processing_keys: list[str], spool_dir: str) -> datetime | None:
    """When the oldest click not stored yet happened: buffer, processing lists, queue, spool."""
    # The buffer and processing lists keep their oldest event last.
    raw = [client.lindex(key, -1) for key in [buffer.BUFFER, *processing_keys]]
    candidates = [_clicked_at(json.loads(item)) for item in raw if item]
    candidates.append(_naive(_oldest_enqueued_at(Queue(CLICKS, connection=client))))
    candidates.append(_oldest_spooled(spool_dir))
    return min((when for when in candidates if when is not None), default=None)


def _clicked_at(event: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(event["clicked_at"])
    except (KeyError, TypeError, ValueError):
        return None


def _naive(when: datetime | None) -> datetime | None:
    return when.astimezone(UTC).replace(tzinfo=None) if when else None


def _oldest_spooled(spool_dir: str) -> datetime | None:
    """The first event of each spool file is its oldest (files are append-only)."""
    if not os.path.isdir(spool_dir):
        return None
    firsts = []
    for name in os.listdir(spool_dir):
        if name == spool.ACTIVE or name.endswith(spool.REPLAYING_SUFFIX):
            firsts.append(_first_event_time(os.path.join(spool_dir, name)))
    return min((when for when in firsts if when is not None), default=None)


def _first_event_time(path: str) -> datetime | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return _clicked_at(json.loads(handle.readline()))
    except (OSError, ValueError):
        return None  # renamed by a replay meanwhile, or a torn line


def stored_since(period: timedelta) -> int:
    """Clicks stored whose clicked_at is within ``period``, capped (ix_clicks_clicked_at)."""
    recent = select(Click.id).where(Click.clicked_at >= utcnow() - period).limit(STORED_COUNT_CAP)
    return db.session.scalar(select(func.count()).select_from(recent.subquery()))
