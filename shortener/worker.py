"""RQ worker classes that load the Flask app once, before any job runs.

Use them with ``rq worker --worker-class shortener.worker.Worker``. They run
every job as ``AppJob`` (inside an app context) and take liveness settings
(``RQ_WORKER_TTL``, ``RQ_MAINTENANCE_INTERVAL``) from the app's config, so a
worker killed mid-job is noticed, and its job retried, within a minute or two.
"""

import os

from rq.worker import HerokuWorker, SimpleWorker

from .extensions import db
from .queues import AppJob, job_app


class AppWorkerMixin:
    def __init__(self, *args, **kwargs):
        kwargs["job_class"] = AppJob
        super().__init__(*args, **kwargs)
        app = job_app()  # built here, in the parent, not once per forked job
        import jobs.clicks  # noqa: F401  (imported once here, not in every work horse)
        import jobs.periodic  # noqa: F401
        self.worker_ttl = app.config["RQ_WORKER_TTL"]
        self.maintenance_interval = app.config["RQ_MAINTENANCE_INTERVAL"]
        with app.app_context():
            engine = db.engine
        # A forked work horse must not reuse the parent's pooled connections.
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))


class Worker(AppWorkerMixin, HerokuWorker):
    """Forks a work horse per job; SIGTERM (Heroku's stop signal) shuts down gracefully."""


class InProcessWorker(AppWorkerMixin, SimpleWorker):
    """Runs jobs in the worker process itself: no fork per job, several times the throughput."""
