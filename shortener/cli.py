"""Flask CLI commands: ``flask users ...``, ``flask clicks ...``, ``flask jobs ...``, ``flask schedule ...``.

Exit codes, for scripts: 0 all is well, 1 something failed or needs attention,
2 usage (click's own code for bad arguments).
"""

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from rq_scheduler import Scheduler

from .accounts import users
from .background import schedule
from .background.redis_clients import worker_redis
from .clicks.fallback import replay_spool
from .clicks.pending import pending_counts

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
    app.cli.add_command(users_cli)
    app.cli.add_command(clicks_cli)
    app.cli.add_command(schedule_cli)
