"""Worker classes that SIGKILL themselves at one moment of a job's life, for the crash tests to
start with ``rq worker --worker-class tests.background.crashing_workers.<Name>``: the Procfile's
worker, plus the crash, so the production class carries no switch for it."""

import os
import signal

from shortener.background.worker import InProcessWorker


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class KilledAfterClaim(InProcessWorker):
    """Dies with the claimed ids in the intermediate list, before any job is started (rq#580)."""

    def after_claim(self, queue, job_ids) -> None:
        _die()


class KilledAfterBatchStored(InProcessWorker):
    """Dies after a batch's clicks are committed, before its jobs are marked finished."""

    def after_batch_stored(self, jobs) -> None:
        _die()
