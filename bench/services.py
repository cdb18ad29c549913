"""The bench's own data: a Redis of its own, a throwaway SQLite file or PostgreSQL schema.

Nothing here touches data the bench did not create: Redis is either a
redis-server started for the run or a DB that is empty (or marked as the
bench's by an earlier run) and never DB 0 of a server given by URL; the
PostgreSQL schema gets a fresh random name and is dropped at the end.
"""

import os
import secrets
import subprocess
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from shortener.config import normalize_database_url
from shortener.dev.embedded_redis import free_port, start_redis, stop_redis

MARKER = "shortener-bench:owner"


class BenchSetupError(RuntimeError):
    """The bench cannot run as asked; the message says what to change."""


class RedisTarget:
    """The Redis the run uses; ``clear()`` empties it (it is the bench's alone)."""

    def __init__(self, url: str, process: subprocess.Popen | None = None):
        self.url = url
        self.process = process
        self.client = redis.Redis.from_url(url)
        self.kind = "own redis-server" if process else "a DB of its own on " + _server(url)

    @classmethod
    def own_server(cls, workdir: str) -> "RedisTarget":
        port = free_port()
        try:
            process = start_redis(port, workdir)
        except RuntimeError as exc:
            raise BenchSetupError(f"the bench's redis-server did not start: {exc}") from exc
        return cls(f"redis://127.0.0.1:{port}/0", process)

    @classmethod
    def existing(cls, url: str) -> "RedisTarget":
        database = int((urlsplit(url).path or "/0").strip("/") or 0)
        if database == 0:
            raise BenchSetupError(
                f"{url} is DB 0, which the bench never uses on a shared server: give it a DB "
                "of its own, e.g. redis://127.0.0.1:6379/15, or unset BENCH_REDIS_URL to let "
                "it start its own redis-server")
        target = cls(url)
        size = target.client.dbsize()
        if size and not target.client.exists(MARKER):
            raise BenchSetupError(
                f"{url} holds {size} keys that are not the bench's: pick an empty DB")
        target.clear()
        return target

    def clear(self) -> None:
        self.client.flushdb()
        if self.process is None:
            self.client.set(MARKER, f"pid {os.getpid()}")

    def version(self) -> str:
        return self.client.info("server")["redis_version"]

    def process_group(self) -> int | None:
        """The redis-server's process group, to read its CPU time; None if not on this machine."""
        if self.process is not None:
            return self.process.pid  # started in a session of its own
        if urlsplit(self.url).hostname not in ("127.0.0.1", "localhost", "::1"):
            return None
        try:
            return os.getpgid(int(self.client.info("server")["process_id"]))
        except (OSError, KeyError, ValueError):
            return None  # another PID namespace (a container): no CPU figures for Redis

    def close(self) -> None:
        if self.process is None:
            self.client.flushdb()  # leaves the DB empty, marker included
        else:
            stop_redis(self.process)
        self.client.close()


def _server(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}{parts.path or '/0'}"


@dataclass
class Database:
    """One database the bench runs on; ``url`` is what the app gets as DATABASE_URL."""

    kind: str  # "sqlite" or "postgresql"
    url: str
    version: str
    engine: Engine = field(repr=False)
    _drop: object = field(repr=False, default=None)

    def close(self) -> None:
        self.engine.dispose()
        if self._drop:
            self._drop()


def sqlite_database(workdir: str) -> Database:
    import sqlite3

    url = f"sqlite:///{os.path.join(workdir, 'bench.db')}"
    return Database("sqlite", url, sqlite3.sqlite_version, create_engine(url))


def postgresql_database(base_url: str) -> Database:
    """A schema of its own in ``base_url``, dropped by ``close()``."""
    base = normalize_database_url(base_url)
    if urlsplit(base).hostname not in (None, "", "localhost", "127.0.0.1", "::1"):
        raise BenchSetupError(f"the bench runs on loopback only; {base_url} is not local")
    schema = f"bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
        conn.execute(text(f"CREATE SCHEMA {schema}"))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    return Database("postgresql", url, version, create_engine(url), drop)


def secret_key() -> str:
    return secrets.token_hex(32)
