"""RQ worker classes that load the Flask app once, before any job runs.

Use them with ``rq worker --worker-class shortener.background.worker.InProcessWorker``.
They run every job inside the app's context and take liveness settings
(``RQ_WORKER_TTL``, ``RQ_MAINTENANCE_INTERVAL``) from the app's config, so a
worker killed mid-job is noticed, and its job retried, within a minute or two.
Both dequeue reliably from several queues (``reliable_worker``); the in-process
one stores click jobs in batches of ``CLICK_JOB_BATCH`` (``batch_worker``).
"""

import importlib
import logging
import os

from flask import Flask, current_app, has_app_context
from rq.worker import HerokuWorker, SimpleWorker

from .. import create_app
from ..extensions import db
from .batch_worker import BatchWorkerMixin, JobBatch
from .queues import CLICK_JOB_ID_PREFIX, CLICKS
from .redis_health import warn_about_persistence
from .reliable_worker import ReliableWorkerMixin
from .schedule import DESCRIPTION_PREFIX, ID_PREFIX

# Imported once in the worker process, so a forked work horse finds them loaded.
JOB_MODULES = ("jobs.clicks", "jobs.email", "jobs.imports", "jobs.periodic", "jobs.titles")


def worker_app() -> Flask:
    """The app jobs run in: the current one (tests, ``flask`` commands), else a new one."""
    return current_app._get_current_object() if has_app_context() else create_app()


class RoutinePeriodicFilter(logging.Filter):
    """RQ logs every job's dequeue and success at INFO; for periodic jobs that is DEBUG.

    A periodic job every few seconds would otherwise drown the log. RQ's lines
    name a job by its id or its description: a periodic job's id starts with
    ID_PREFIX and its description with DESCRIPTION_PREFIX (the scheduled entry
    and the job it enqueues alike); failures are logged at WARNING or above and
    are left alone.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        routine = record.levelno == logging.INFO and any(
            isinstance(arg, str) and arg.startswith((ID_PREFIX, DESCRIPTION_PREFIX))
            for arg in record.args or ()
        )
        if not routine:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def _install_routine_filter(logger: logging.Logger) -> None:
    if not any(isinstance(existing, RoutinePeriodicFilter) for existing in logger.filters):
        logger.addFilter(RoutinePeriodicFilter())


class AppWorkerMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.flask_app = app = worker_app()  # built here, in the parent, not once per job
        for module in JOB_MODULES:
            importlib.import_module(module)
        self.worker_ttl = app.config["RQ_WORKER_TTL"]
        self.maintenance_interval = app.config["RQ_MAINTENANCE_INTERVAL"]
        with app.app_context():
            engine = db.engine
        # A forked work horse must not reuse the parent's pooled connections.
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        _install_routine_filter(self.log)

    def bootstrap(self, *args, **kwargs):
        super().bootstrap(*args, **kwargs)
        production = self.flask_app.config["APP_ENV"] == "production"
        warn_about_persistence(self.connection, production, f"worker {self.name}")

    def perform_job(self, *args, **kwargs) -> bool:
        # Here, not in Job.perform: RQ's success and failure handling of the
        # job (retries, callbacks) runs inside the same context.
        with self.flask_app.app_context():
            return super().perform_job(*args, **kwargs)


class Worker(AppWorkerMixin, ReliableWorkerMixin, HerokuWorker):
    """Forks a work horse per job; SIGTERM (Heroku's stop signal) shuts down gracefully."""


def click_job_batches(config) -> dict[str, JobBatch]:
    """Job mode's click jobs, stored ``CLICK_JOB_BATCH`` at a time (1: one by one)."""
    size = config["CLICK_JOB_BATCH"]
    if size <= 1:
        return {}
    return {CLICKS: JobBatch(size, CLICK_JOB_ID_PREFIX, "jobs.clicks.record_click",
                             "jobs.clicks.record_clicks")}


class InProcessWorker(AppWorkerMixin, BatchWorkerMixin, ReliableWorkerMixin, SimpleWorker):
    """Runs jobs in the worker process itself: no fork per job, several times the throughput;
    click jobs in batches."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.job_batches = click_job_batches(self.flask_app.config)

    def perform_batch(self, *args, **kwargs) -> bool:
        with self.flask_app.app_context():  # as perform_job: the batch's handling inside too
            return super().perform_batch(*args, **kwargs)
