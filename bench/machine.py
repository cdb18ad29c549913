"""The machine a run measured: recorded with every result."""

import os
import platform
import sqlite3
from importlib.metadata import version

from . import load, procfile
from .context import Run


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        return None
    return None


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        return None
    return None


def _load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def _command(run: Run, process: str) -> str:
    args = procfile.argv(process, run.env(None, PORT="$PORT", REDIS_URL="$REDIS_URL"))
    return " ".join([os.path.basename(args[0]), *args[1:]])


def describe(run: Run) -> dict:
    web = procfile.argv("web", run.env(None, PORT="$PORT"))
    postgres = next((db.version for db in run.databases if db.kind == "postgresql"), None)
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres,
        "redis": run.redis.version(),
        "redis_kind": run.redis.kind,
        "packages": {name: version(name) for name in
                     ("flask", "sqlalchemy", "gunicorn", "rq", "rq-scheduler", "redis",
                      "psycopg")},
        "web_command": _command(run, "web"),
        "worker_command": _command(run, "worker"),
        "scheduler_command": _command(run, "scheduler"),
        "web_workers": procfile.option(web, "--workers"),
        "web_threads": procfile.option(web, "--threads"),
        "load_average_at_start": _load_average(),
        "load_generator": run.generator,
        "wrk": load.wrk_version() if run.generator == "wrk" else None,
    }


def line(machine: dict) -> str:
    """One line for the README: CPU count, Python, SQLite, PostgreSQL, Redis."""
    parts = [f"{machine['cpu_count']} CPUs"
             + (f" ({machine['cpu_model']})" if machine["cpu_model"] else "")]
    if machine["memory_gib"]:
        parts.append(f"{machine['memory_gib']:g} GiB RAM")
    parts += [machine["platform"], f"Python {machine['python']}",
              f"SQLite {machine['sqlite']}"]
    if machine["postgresql"]:
        parts.append(f"PostgreSQL {machine['postgresql']}")
    parts.append(f"Redis {machine['redis']} ({machine['redis_kind']})")
    return "machine: " + ", ".join(parts)
