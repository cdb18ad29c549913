"""Flask CLI commands: ``flask users ...``, ``flask clicks ...``, ``flask jobs ...``, ``flask schedule ...``.

Exit codes, for scripts: 0 all is well, 1 something failed or needs attention,
2 usage (click's own code for bad arguments).
"""

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from rq_scheduler import Scheduler

from .accounts import users
from .admin import actions, status
from .background import schedule
from .background.queues import CLICKS, QUEUE_NAMES, enqueue
from .background.redis_clients import worker_redis
from .background.redis_health import warn_about_persistence
from .clicks.fallback import replay_spool
from .clicks.pending import pending_counts

ENRICH_JOB_TIMEOUT = 6 * 3600  # millions of clicks, a thousand at a time
NEEDS_ATTENTION = 1

users_cli = AppGroup("users", help="Accounts: admin rights.")


@users_cli.command("create-admin")
@click.argument("username")
def create_admin(username: str):
    """Promote USERNAME to admin, or create it as an admin (asks for email and password)."""
    user = users.find_by_username(username)
    if user is None:
        user = _create_account(username)
    changed = users.set_admin(user, True)
    click.echo(f"{user.username} is {'now' if changed else 'already'} an admin")


def _create_account(username: str):
    email = click.prompt("Email")
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        return users.create_user(username, email, password)
    except users.AccountError as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from exc


@users_cli.command("demote")
@click.argument("username")
def demote(username: str):
    """Take admin rights away from USERNAME (the account stays)."""
    user = users.find_by_username(username)
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    changed = users.set_admin(user, False)
    click.echo(f"{user.username} is {'no longer' if changed else 'not'} an admin")


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


@clicks_cli.command("status")
def status_command():
    """The figures of /admin/status. Exit code 1 when something needs attention."""
    report = status.gather(worker_redis(), current_app.config)
    for line in status_lines(report):
        click.echo(line)
    if report.needs_attention:
        raise SystemExit(NEEDS_ATTENTION)


def status_lines(report: status.Status):
    for queue in report.queues:
        yield (f"queue {queue.name}: waiting {queue.waiting} (oldest {_seconds(queue.oldest_waiting_age)}), "
               f"started {queue.started}, failed {queue.failed}, scheduled {queue.scheduled}, "
               f"deferred {queue.deferred}")
    for worker in report.workers:
        yield (f"worker {worker.name} [{','.join(worker.queues)}]: {worker.state}, "
               f"job {worker.current_job or '-'}, heartbeat {worker.last_heartbeat or '-'}, "
               f"done {worker.successful}, failed {worker.failed}")
    if report.scheduler:
        yield (f"scheduler: {report.scheduler.live_instances} alive, "
               f"lock {'held' if report.scheduler.lock_held else 'free'}")
        for job in report.scheduler.periodic:
            yield f"  {job.name}: next {job.next_run or 'not scheduled'}, last enqueued {job.last_run or '-'}"
    if report.clicks:
        clicks = report.clicks
        yield (f"clicks: buffer {clicks.buffer_length}, processing lists {len(clicks.processing)}, "
               f"spool (this host) {clicks.spool_local}, "
               f"oldest pending {_seconds(clicks.oldest_pending_age)}, "
               f"stored last minute {clicks.stored_last_minute}, last hour {clicks.stored_last_hour}")
    for warning in report.warnings:
        yield f"ATTENTION: {warning}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}s"


@clicks_cli.command("flush")
def flush_command():
    """Enqueue a flush of the click buffer now (a worker on the clicks queue runs it)."""
    click.echo(f"enqueued flush job {actions.flush_click_buffer_now()}")


jobs_cli = AppGroup("jobs", help="RQ jobs: failed ones.")
queue_option = click.option("--queue", "queue_names", type=click.Choice(QUEUE_NAMES), multiple=True,
                            help="Only this queue (repeatable); default: all.")


@jobs_cli.command("failed")
@queue_option
def failed_command(queue_names):
    """List failed jobs, newest first. Exit code 1 when there are any."""
    found = 0
    for name in queue_names or QUEUE_NAMES:
        for job in actions.failed_jobs(worker_redis(), name):
            found += 1
            click.echo(f"{name} {job.id} {job.func_name} ended {job.ended_at or '-'}: {_last_error(job)}")
    click.echo(f"{found} failed jobs")
    if found:
        raise SystemExit(NEEDS_ATTENTION)


def _last_error(job) -> str:
    result = job.latest_result()
    lines = (result.exc_string or "").strip().splitlines() if result else []
    return lines[-1] if lines else "?"


@jobs_cli.command("requeue-failed")
@queue_option
def requeue_failed_command(queue_names):
    """Put failed jobs back on their queue."""
    for name in queue_names or QUEUE_NAMES:
        click.echo(f"{name}: requeued {actions.requeue_failed(worker_redis(), name)} failed jobs")


schedule_cli = AppGroup("schedule", help="Periodic jobs on rq-scheduler.")


def _scheduler(interval: float = 1.0) -> Scheduler:
    return Scheduler(connection=worker_redis(), interval=interval)


@schedule_cli.command("run")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between checks.")
@click.option("--burst", is_flag=True, help="Enqueue what is due once, then exit.")
def schedule_run(interval: float, burst: bool):
    """Reconcile the schedule with the code, then run the scheduler (the Procfile's scheduler)."""
    scheduler = _scheduler(interval)
    warn_about_persistence(scheduler.connection, current_app.config["APP_ENV"] == "production", "scheduler")
    report = schedule.reconcile(scheduler, schedule.periodic_jobs(current_app.config))
    for action, job_ids in report.items():
        for job_id in job_ids:
            click.echo(f"schedule: {action} {job_id}")
    schedule.run(scheduler, burst=burst)


@schedule_cli.command("list")
def schedule_list():
    """Print each periodic job and its next run (UTC)."""
    entries = dict(schedule.upcoming(_scheduler()))
    for definition in schedule.periodic_jobs(current_app.config):
        when = entries.get(definition.job_id)
        next_run = when.strftime("%Y-%m-%d %H:%M:%S UTC") if when else "not scheduled yet"
        click.echo(f"{definition.name:<24} {definition.describe():<28} next: {next_run}")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(clicks_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(schedule_cli)
