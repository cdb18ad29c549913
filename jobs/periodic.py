"""The entry point of every scheduled run (see shortener/background/schedule.py)."""

import uuid

from flask import current_app

from shortener.background import schedule
from shortener.background.queues import get_queue
from shortener.background.schedule import DESCRIPTION_PREFIX


def run_periodic(name: str) -> str:
    """Enqueue the periodic job ``name`` with its own retry policy; return the job id."""
    definition = schedule.find(current_app.config, name)
    job = get_queue(definition.queue, web=False).enqueue(
        definition.func,
        # The prefix marks it routine: the worker logs its success at DEBUG.
        job_id=f"{schedule.ID_PREFIX}run-{definition.name}-{uuid.uuid4().hex}",
        job_timeout=definition.timeout,
        retry=definition.retry(),
        result_ttl=0,
        failure_ttl=24 * 3600,
        description=f"{DESCRIPTION_PREFIX}{definition.name}",
    )
    return job.id
