"""The periodic jobs, as a table of definitions, and their reconciliation.

Only the scheduler process (``flask schedule run``) touches the schedule: at
start it reconciles rq-scheduler's entries with ``periodic_jobs``. Each entry's
id is a hash of its definition, so an unchanged definition keeps its entry
(and next run time) across restarts, a changed one replaces it, and a removed
one is cancelled. rq-scheduler's lock keeps two scheduler processes from both
enqueueing.

rq-scheduler would pass a ``retry=`` keyword through to the function, so the
scheduled entry does not run the job itself: it runs ``jobs.periodic.run_periodic``
with the definition's name, which enqueues the real function with the
definition's ``Retry``.
"""

import contextlib
import hashlib
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime

from rq import Retry
from rq.exceptions import NoSuchJobError
from rq_scheduler import Scheduler

from .queues import CLICKS, EMAIL, IMPORTS

ID_PREFIX = "periodic-"
# Every periodic job's description starts so: RQ logs descriptions, and the worker
# tells routine periodic lines by it (background.worker.RoutinePeriodicFilter).
DESCRIPTION_PREFIX = "periodic "
DISPATCH = "jobs.periodic.run_periodic"
# rq-scheduler reuses one job hash per entry and cancels an entry whose hash is
# gone, so results must outlive the longest interval (hourly cron) by far; a
# day leaves no key that never expires (its default, -1, would).
RESULT_TTL = 24 * 3600


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str  # dotted path of the job function
    interval: int | None = None  # seconds; or
    cron: str | None = None  # a crontab line, UTC
    queue: str = CLICKS
    timeout: int = 300
    retry_intervals: tuple[int, ...] = ()
    # Part of the id's hash, so entries scheduled with another TTL are replaced.
    result_ttl: int = RESULT_TTL

    @property
    def job_id(self) -> str:
        digest = hashlib.sha256(repr(self).encode()).hexdigest()[:16]
        return f"{ID_PREFIX}{self.name}-{digest}"

    def retry(self) -> Retry | None:
        if not self.retry_intervals:
            return None
        return Retry(max=len(self.retry_intervals), interval=list(self.retry_intervals))

    def describe(self) -> str:
        return f"every {self.interval}s" if self.interval else f"cron '{self.cron}' "


def periodic_jobs(config) -> tuple[Periodic, ...]:
    """The schedule. Intervals that are settings come from ``config``."""
    return (
        # Always on: it also drains what a switch away from buffer mode left behind.
        Periodic("flush_click_buffer", "jobs.clicks.flush_click_buffer",
                 interval=config["CLICK_FLUSH_INTERVAL"],
                 timeout=int(config["CLICK_FLUSH_TIME_BUDGET"]) + 60),
        Periodic("cleanup_click_buffer", "jobs.clicks.cleanup_click_buffer",
                 interval=300, timeout=120, retry_intervals=(10, 60)),
        Periodic("replay_click_spool", "jobs.clicks.replay_click_spool",
                 interval=60, timeout=600, retry_intervals=(10,)),
        # Every minute, so the ranges move within a minute of midnight (until then the link page
        # sums the daily rows); most runs only read five rows.
        Periodic("roll_breakdown_ranges", "jobs.clicks.roll_breakdown_ranges",
                 interval=60, timeout=1800, retry_intervals=(10, 60)),
        Periodic("prune_click_rollups", "jobs.clicks.prune_click_rollups",
                 cron="41 * * * *", timeout=600, retry_intervals=(60, 300)),
        Periodic("cleanup_expired_tokens", "jobs.email.cleanup_expired_tokens",
                 cron="17 * * * *", queue=EMAIL, timeout=300, retry_intervals=(60, 300)),
        # Off the clicks queue: a large file takes seconds. Always on, so that unsetting
        # BLOCKLIST_FILE takes the file's entries away too.
        Periodic("reload_blocklist_file", "jobs.blocklist.reload_blocklist_file",
                 interval=config["BLOCKLIST_FILE_INTERVAL"], queue=IMPORTS, timeout=300),
    )


def find(config, name: str) -> Periodic:
    for definition in periodic_jobs(config):
        if definition.name == name:
            return definition
    raise KeyError(f"no periodic job named {name!r}")


def _schedule(scheduler: Scheduler, definition: Periodic) -> None:
    common = {
        "func": DISPATCH,
        "args": [definition.name],
        "id": definition.job_id,
        "queue_name": definition.queue,
        "timeout": 60,
        "result_ttl": definition.result_ttl,
        "description": f"periodic {definition.name} ({definition.describe()})",
    }
    if definition.interval:
        scheduler.schedule(datetime.now(UTC).replace(tzinfo=None), interval=definition.interval,
                           **common)
    else:
        with _naive_utc_cron():
            scheduler.cron(definition.cron, **common)


def run(scheduler: Scheduler, burst: bool = False) -> None:
    """The scheduler's loop (the Procfile's scheduler), which reschedules cron entries as it goes."""
    with _naive_utc_cron():
        scheduler.run(burst=burst)


@contextlib.contextmanager
def _naive_utc_cron():
    # crontab warns that a future version reads naive times as UTC; rq-scheduler passes naive UTC
    # already, so both behaviours agree for us. Only around the calls that reach crontab: the
    # filter is this process's, and nothing else should lose its warnings.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Version 0.22.0", category=FutureWarning)
        yield


def reconcile(scheduler: Scheduler, definitions) -> dict[str, list[str]]:
    """Make the scheduled entries match ``definitions``; return what was done."""
    wanted = {definition.job_id: definition for definition in definitions}
    present = {job.id for job in scheduler.get_jobs() if job.id.startswith(ID_PREFIX)}
    report = {"added": [], "kept": [], "removed": []}
    for job_id in sorted(present - set(wanted)):
        scheduler.cancel(job_id)
        _delete_job(scheduler, job_id)
        report["removed"].append(job_id)
    for job_id, definition in wanted.items():
        if job_id in present:
            report["kept"].append(job_id)
        else:
            _schedule(scheduler, definition)
            report["added"].append(job_id)
    return report


def _delete_job(scheduler: Scheduler, job_id: str) -> None:
    """The entry's hash and its results (an old entry's results may never expire)."""
    with contextlib.suppress(NoSuchJobError):  # already expired: nothing to delete
        scheduler.job_class.fetch(job_id, connection=scheduler.connection).delete()


def upcoming(scheduler: Scheduler) -> list[tuple[str, datetime]]:
    """(job id, next run in UTC) of every periodic entry, soonest first."""
    return [
        (job.id, when)
        for job, when in scheduler.get_jobs(with_times=True)
        if job.id.startswith(ID_PREFIX)
    ]
