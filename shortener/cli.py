"""Flask CLI commands: ``flask clicks ...`` and ``flask schedule ...``."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

clicks_cli = AppGroup("clicks", help="Click pipeline maintenance.")


@clicks_cli.command("replay")
def replay_command():
    """Store clicks spooled while Redis and the database were down (idempotent)."""
    from jobs.clicks import replay_click_spool

    stored = replay_click_spool()
    click.echo(f"replayed {stored} new clicks from {current_app.config['CLICK_SPOOL_DIR']}")


@clicks_cli.command("pending")
def pending_command():
    """Show clicks not yet in the database: buffer, processing lists, spool, queue."""
    from . import tracking

    for name, count in tracking.pending_counts().items():
        click.echo(f"{name}: {count}")


def register(app: Flask) -> None:
    app.cli.add_command(clicks_cli)
