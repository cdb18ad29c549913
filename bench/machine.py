"""The machine a run measured: recorded with every result."""

import contextlib
import os
import platform
import sqlite3
from importlib.metadata import version

import psutil

from tests.support import procfile

from . import load
from .context import Run


def _cpu_model() -> str | None:
    # psutil has no CPU model name; on Linux /proc/cpuinfo has it, elsewhere there is none.
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        return next((line.partition(":")[2].strip() for line in handle
                     if line.startswith("model name")), None)
    return None


def _command(run: Run, process: str) -> str:
    args = procfile.argv(process, run.env(None, PORT="$PORT", REDIS_URL="$REDIS_URL"))
    return " ".join([os.path.basename(args[0]), *args[1:]])


def describe(run: Run) -> dict:
    web = procfile.argv("web", run.env(None, PORT="$PORT"))
    return {
        "cpu_count": psutil.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": next((db.version for db in run.databases if db.kind == "postgresql"), None),
        "redis": run.redis.version(),
        "redis_kind": run.redis.kind,
        "packages": {name: version(name) for name in
                     ("flask", "sqlalchemy", "gunicorn", "gevent", "rq", "rq-scheduler", "redis",
                      "psycopg")},
        "web_command": _command(run, "web"),
        "worker_command": _command(run, "worker"),
        "scheduler_command": _command(run, "scheduler"),
        "web_workers": procfile.option(web, "--workers"),
        "web_threads": procfile.option(web, "--threads"),
        "web_worker_class": procfile.option(web, "--worker-class"),
        "web_worker_connections": procfile.option(web, "--worker-connections"),
        "load_average_at_start": [round(value, 2) for value in psutil.getloadavg()],
        "load_generator": run.generator,
        "wrk": load.wrk_version() if run.generator == "wrk" else None,
    }


def line(machine: dict) -> str:
    """One line for the README: CPU count, Python, SQLite, PostgreSQL, Redis."""
    parts = [f"{machine['cpu_count']} CPUs"
             + (f" ({machine['cpu_model']})" if machine["cpu_model"] else "")]
    if machine["memory_gib"]:
        parts.append(f"{machine['memory_gib']:g} GiB RAM")
    parts += [machine["platform"], f"Python {machine['python']}", f"SQLite {machine['sqlite']}"]
    if machine["postgresql"]:
        parts.append(f"PostgreSQL {machine['postgresql']}")
    parts.append(f"Redis {machine['redis']} ({machine['redis_kind']})")
    return "machine: " + ", ".join(parts)
