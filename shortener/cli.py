"""Flask CLI commands: ``flask clicks ...`` and ``flask schedule ...``."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from rq_scheduler import Scheduler

from .background import schedule
from .background.queues import CLICKS, enqueue
from .background.redis_clients import worker_redis
from .clicks.fallback import replay_spool
from .clicks.pending import pending_counts

ENRICH_JOB_TIMEOUT = 6 * 3600  # millions of clicks, a thousand at a time

clicks_cli = AppGroup("clicks", help="Click pipeline maintenance.")


@clicks_cli.command("replay")
def replay_command():
    """Store clicks spooled while Redis and the database were down (idempotent)."""
    stored = replay_spool()
    click.echo(f"replayed {stored} new clicks from {current_app.config['CLICK_SPOOL_DIR']}")


@clicks_cli.command("pending")
def pending_command():
    """Show clicks not yet in the database: buffer, processing lists, spool, queue."""
    for name, count in pending_counts().items():
        click.echo(f"{name}: {count}")


@clicks_cli.command("enrich")
@click.option("--batch-size", default=1000, show_default=True, help="Clicks per batch.")
def enrich_command(batch_size: int):
    """Queue a job that enriches stored clicks again and rebuilds their rollups (idempotent)."""
    job = enqueue(CLICKS, "jobs.clicks.enrich_stored_clicks", batch_size, web=False,
                  job_timeout=ENRICH_JOB_TIMEOUT, retry=None)
    click.echo(f"queued {job.id} on the {CLICKS} queue; the worker logs its progress")


schedule_cli = AppGroup("schedule", help="Periodic jobs on rq-scheduler.")


def _scheduler(interval: float = 1.0) -> Scheduler:
    return Scheduler(connection=worker_redis(), interval=interval)


@schedule_cli.command("run")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between checks.")
@click.option("--burst", is_flag=True, help="Enqueue what is due once, then exit.")
def schedule_run(interval: float, burst: bool):
    """Reconcile the schedule with the code, then run the scheduler (the Procfile's scheduler)."""
    scheduler = _scheduler(interval)
    report = schedule.reconcile(scheduler, schedule.periodic_jobs(current_app.config))
    for action, job_ids in report.items():
        for job_id in job_ids:
            click.echo(f"schedule: {action} {job_id}")
    scheduler.run(burst=burst)


@schedule_cli.command("list")
def schedule_list():
    """Print each periodic job and its next run (UTC)."""
    entries = dict(schedule.upcoming(_scheduler()))
    for definition in schedule.periodic_jobs(current_app.config):
        when = entries.get(definition.job_id)
        next_run = when.strftime("%Y-%m-%d %H:%M:%S UTC") if when else "not scheduled yet"
        click.echo(f"{definition.name:<24} {definition.describe():<28} next: {next_run}")


def init_app(app: Flask) -> None:
    app.cli.add_command(clicks_cli)
    app.cli.add_command(schedule_cli)
