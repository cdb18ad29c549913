"""What every part of a run shares: the plan, the services, the apps and the notes."""

import os
from dataclasses import dataclass, field

from flask import Flask

from shortener import config as settings

from . import data
from .procfile import BIN, PROJECT_ROOT
from .services import Database, RedisTarget, secret_key


@dataclass(frozen=True)
class Plan:
    """How long and how big each part is; ``quick()`` for the smoke test."""

    warmup_seconds: float = 2.0
    redirect_seconds: float = 10.0
    connections: int = 16
    max_requests: int = 2_000_000
    ingest_jobs_forking: int = 1_000
    ingest_jobs_in_process: int = 5_000
    ingest_buffer: int = 100_000
    ingest_cap_seconds: float = 15.0
    lag_seconds: float = 15.0
    lag_connections: int = 32
    lag_slack_seconds: float = 10.0  # how long past its target a lag is waited for
    flush_interval: int = 10
    scale_big: int = 1_000_000
    scale_small: int = 1_000
    scale_links_per_user: int = 10
    scale_renders: int = 20
    scale_seconds_per_page: float = 15.0

    @classmethod
    def quick(cls) -> "Plan":
        return cls(
            warmup_seconds=0.2, redirect_seconds=0.5, connections=8,
            ingest_jobs_forking=40, ingest_jobs_in_process=200, ingest_buffer=3_000,
            ingest_cap_seconds=8.0, lag_seconds=1.0, lag_connections=8, lag_slack_seconds=1.0,
            flush_interval=1, scale_big=10_000, scale_small=1_000, scale_links_per_user=3,
            scale_renders=3, scale_seconds_per_page=3.0,
        )


# Every variable the app reads: the bench sets its own, never inherits the caller's.
APP_VARIABLES = (set(settings.from_environ({})) - {"SQLALCHEMY_DATABASE_URI"}) | {
    "DATABASE_URL", "DYNO", "HOST", "PORT",
}


@dataclass
class Run:
    plan: Plan
    workdir: str
    redis: RedisTarget
    databases: list[Database]
    generator: str
    key: str = field(default_factory=secret_key)
    notes: list[str] = field(default_factory=list)
    _apps: dict = field(default_factory=dict)
    _fixtures: dict = field(default_factory=dict)

    def note(self, message: str) -> None:
        print(f"  note: {message}", flush=True)
        self.notes.append(message)

    def app(self, database: Database) -> Flask:
        """The in-process app on ``database``: schema applied once, for data and page timing."""
        if database.kind not in self._apps:
            app = data.make_app(database, self.redis.url, self.workdir, self.key)
            data.migrate(app)
            self._apps[database.kind] = app
        return self._apps[database.kind]

    def fixtures(self, database: Database) -> data.Fixtures:
        """The ``bench`` user and its links (created again after the scale part emptied them)."""
        if database.kind not in self._fixtures:
            app = self.app(database)
            data.empty_tables(app)
            self._fixtures[database.kind] = data.create_fixtures(app)
        return self._fixtures[database.kind]

    def forget_fixtures(self, database: Database) -> None:
        self._fixtures.pop(database.kind, None)

    def env(self, database: Database | None, **app_settings) -> dict:
        """The environment of a child process: the caller's, less any app setting, plus ours."""
        env = {name: value for name, value in os.environ.items()
               if name not in APP_VARIABLES and not name.startswith("FLASK_")}
        env.update(
            PATH=BIN + os.pathsep + env.get("PATH", ""),
            PYTHONPATH=PROJECT_ROOT,
            SECRET_KEY=self.key,
            REDIS_URL=self.redis.url,
            HOST="127.0.0.1",
            CLICK_SPOOL_DIR=os.path.join(self.workdir, "spool"),
            CLICK_FLUSH_INTERVAL=str(self.plan.flush_interval),
        )
        if database is not None:
            env["DATABASE_URL"] = database.url
        env.update({name: str(value) for name, value in app_settings.items()})
        return env

    def close(self) -> None:
        for app in self._apps.values():
            with app.app_context():
                from shortener.extensions import db

                db.session.remove()
                db.engine.dispose()
        for database in self.databases:
            database.close()
        self.redis.close()
