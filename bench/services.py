"""The bench's own data: a Redis of its own, a throwaway SQLite file or PostgreSQL schema.

Nothing here touches data the bench did not create: Redis is either a
redis-server started for the run or a DB that is empty (or marked as the
bench's by an earlier run) and never DB 0 of a server given by URL; the
PostgreSQL schema gets a fresh random name and is dropped at the end.
"""

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import psutil
import redis

from shortener.dev.embedded_redis import free_port, start_redis, stop_redis
from tests.support.postgres import server_version, throwaway_schema

MARKER = "shortener-bench:owner"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class BenchSetupError(RuntimeError):
    """The bench cannot run as asked; the message says what to change."""


class RedisTarget:
    """The Redis the run uses; ``clear()`` empties it (it is the bench's alone)."""

    def __init__(self, url: str, process: subprocess.Popen | None = None):
        self.url, self.process = url, process
        self.client = redis.Redis.from_url(url)
        parts = urlsplit(url)
        self.kind = "own redis-server" if process else (
            f"a DB of its own on {parts.hostname}:{parts.port or 6379}{parts.path or '/0'}")

    @classmethod
    def own_server(cls, workdir: str) -> "RedisTarget":
        port = free_port()
        try:
            return cls(f"redis://127.0.0.1:{port}/0", start_redis(port, workdir))
        except RuntimeError as exc:
            raise BenchSetupError(f"the bench's redis-server did not start: {exc}") from exc

    @classmethod
    def existing(cls, url: str) -> "RedisTarget":
        if int((urlsplit(url).path or "/0").strip("/") or 0) == 0:
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

    def pid(self) -> int | None:
        """The redis-server's pid, to read its CPU time; None if not on this machine."""
        if self.process is not None:
            return self.process.pid
        if urlsplit(self.url).hostname not in LOOPBACK:
            return None
        pid = int(self.client.info("server")["process_id"])
        # Not here: another PID namespace (a container), so no CPU figures for Redis.
        return pid if psutil.pid_exists(pid) else None

    def close(self) -> None:
        if self.process is None:
            self.client.flushdb()  # leaves the DB empty, marker included
        else:
            stop_redis(self.process)
        self.client.close()


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
    if urlsplit(base_url).hostname not in (None, "", *LOOPBACK):
        raise BenchSetupError(f"the bench runs on loopback only; {base_url} is not local")
    schema = contextlib.ExitStack()
    url = schema.enter_context(throwaway_schema(base_url, "bench"))
    return Database("postgresql", url, server_version(url), schema.close)
