"""What a run reports: the machine, the issue's targets checked against the results (a miss
says by how much), the printed tables (Markdown, so they paste into the README), the JSON file."""

import contextlib
import json
import os
import platform
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import version

import psutil

from tests.support import procfile

from .context import Run
from .ingest import FORKING, worker_label
from .lag import target_seconds

REDIRECT_RATIOS = {"off": 0.85, "buffer": 0.6, "job": 0.45}
INGEST_RATES = {"buffer": 10_000.0, "job": 300.0}  # clicks/s; job: one InProcessWorker
INGEST_OVER_REDIRECT = 20.0  # buffer ingestion / buffer redirect rate
SCALE_RATIO = 1.5
# RSS a process may gain past the warm-up while the caches hold one entry each: the allocator's
# slack, not a cache filling (see bench/memory.py).
MEMORY_GROWTH_MIB = 10.0
# Job mode in batches, one InProcessWorker: against itself one job at a time, and one buffer flush.
BATCH_TARGETS = {"one job at a time": 10.0, "buffer flush": 0.5}


@dataclass
class Target:
    name: str
    database: str
    value: float | None
    limit: float
    at_least: bool  # True: value >= limit passes; False: value <= limit passes
    unit: str = ""
    lower_bound: bool = False  # the value is only known to be at least this

    @property
    def passed(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def verdict(self) -> str:
        if self.passed is None:
            return "not measured"
        text = (f"{'>' if self.lower_bound else ''}{self.value:g}{self.unit} (target "
                f"{'>=' if self.at_least else '<='} {self.limit:g}{self.unit})")
        ratio = self.value / self.limit
        if self.passed:
            return f"pass: {text}"
        if self.at_least:
            return f"MISS: {text}, {1 - ratio:.0%} short ({ratio:.2f} of target)"
        return f"MISS: {text}, {self.value - self.limit:g}{self.unit} over ({ratio:.2f}x the limit)"

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed, "verdict": self.verdict()}


def _cpu_model() -> str | None:
    # psutil has no CPU model name; on Linux /proc/cpuinfo has it, elsewhere there is none.
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        return next((line.partition(":")[2].strip() for line in handle
                     if line.startswith("model name")), None)
    return None


def describe_machine(run: Run) -> dict:
    """The machine a run measured: recorded with every result."""
    lines = {name: procfile.argv(name, run.env(None, PORT="$PORT", REDIS_URL="$REDIS_URL"))
             for name in ("web", "worker", "scheduler")}
    return {
        "cpu_count": psutil.cpu_count(), "cpu_model": _cpu_model(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(), "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version, "redis": run.redis.info("server")["redis_version"],
        "postgresql": next((db.version for db in run.databases if db.kind == "postgresql"), None),
        "packages": {name: version(name) for name in ("flask", "sqlalchemy", "gunicorn", "gevent",
                                                      "rq", "rq-scheduler", "redis", "psycopg")},
        **{f"{name}_command": " ".join([os.path.basename(args[0]), *args[1:]])
           for name, args in lines.items()},
        **{f"web_{option}": procfile.option(lines["web"], f"--{option.replace('_', '-')}")
           for option in ("workers", "threads", "worker_class", "worker_connections")},
        "load_average_at_start": [round(value, 2) for value in psutil.getloadavg()]}


def machine_line(m: dict) -> str:
    """One line for the README: CPUs, memory, platform, Python, SQLite, PostgreSQL, Redis."""
    return (f"machine: {m['cpu_count']} CPUs ({m['cpu_model'] or 'model unknown'}), {m['memory_gib']:g} GiB "
            f"RAM, {m['platform']}, Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL "
            f"{m['postgresql'] or '-'}, Redis {m['redis']} (own redis-server)")


def check(results: dict, flush_interval: int) -> list[Target]:
    redirect = {(row["database"], row["mode"]): row for row in results.get("redirect", [])}
    targets = [Target(f"redirect {mode} / bare", database, row["ratio_to_bare"],
                      REDIRECT_RATIOS[mode], True, "x")
               for (database, mode), row in redirect.items() if mode in REDIRECT_RATIOS]
    targets += [Target(f"redirect {row['mode']}: drop of the ratio to bare against off", row["database"],
                       -row["ratio_change"], row["ratio_drop_limit"], False)
                for row in results.get("redirect", []) if row.get("ratio_change") is not None]
    ingest = results.get("ingest", [])
    for row in ingest:
        if row["mode"] == "buffer":
            rate = redirect.get((row["database"], "buffer"), {}).get("requests_per_second")
            ratio = round(row["clicks_per_second"] / rate, 1) if rate and row["clicks_per_second"] \
                else None
            targets.append(Target("buffer ingestion / buffer redirect rate", row["database"], ratio,
                                  INGEST_OVER_REDIRECT, True, "x"))
        if kind := _kind(row):
            name = row["worker_class"].rpartition(".")[2] + ("" if row["mode"] == "buffer" else f", {kind}")
            targets.append(Target(f"{row['mode']} ingestion with enrichment, one {name}", row["database"],
                                  row["clicks_per_second"], INGEST_RATES[row["mode"]], True, " clicks/s"))
    for database in dict.fromkeys(row["database"] for row in ingest):
        one = {_kind(row): row["clicks_per_second"] for row in ingest if row["database"] == database}
        for against, limit in BATCH_TARGETS.items():
            batched, base = one.get("in batches"), one.get(against)
            targets.append(Target(f"job ingestion in batches / {against}", database,
                                  round(batched / base, 2) if batched and base else None, limit, True, "x"))
    targets += [Target(f"lag p99, {row['mode']} mode", row["database"], row["lag_p99_s"],
                       target_seconds(row["mode"], flush_interval), False, " s", row["lower_bound"])
                for row in results.get("lag", [])]
    targets += [Target(f"{row['page']} at {row['clicks_big']:,} / {row['clicks_small']:,} clicks",
                       row["database"], row.get("ratio"), SCALE_RATIO, False, "x")
                for row in results.get("scale", [])]
    targets += [Target(f"RSS growth of the {row['process']} over {row['clicks']:,} clicks",
                       row["database"], row["growth_mib"], MEMORY_GROWTH_MIB, False, " MiB")
                for row in results.get("memory", [])]
    return targets


def _kind(row: dict) -> str | None:
    """What one process of the Procfile's worker class ran: its rows are compared."""
    if row["worker_class"] == FORKING or row["processes"] != 1:
        return None
    if row["mode"] == "buffer":
        return "buffer flush"
    return "one job at a time" if (row["batch"] or 1) <= 1 else "in batches"


def table(title: str, columns: dict, rows: list[dict]) -> str:
    """A Markdown table: ``columns`` maps each header to a key of the rows (a tuple: a key's key)
    or a function of a row; numbers right-aligned."""
    raw = [[_value(row, column) for column in columns.values()] for row in rows]
    cells = [list(columns), *([_cell(value) for value in values] for values in raw)]
    layout = [(max(len(texts[i]) for texts in cells),
               bool(raw) and all(isinstance(values[i], int | float | None) for values in raw))
              for i in range(len(columns))]
    lines = ["| " + " | ".join(text.rjust(width) if right else text.ljust(width)
                               for text, (width, right) in zip(texts, layout, strict=True)) + " |"
             for texts in cells]
    rule = "|" + "|".join("-" * (width + 1) + ":" if right else "-" * (width + 2)
                          for width, right in layout) + "|"
    return "\n".join([title, lines[0], rule, *lines[1:]])


def _value(row: dict, column):
    if callable(column):
        return column(row)
    for key in column if isinstance(column, tuple) else (column,):
        row = (row or {}).get(key)
    return row


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _lag(key: str):
    return lambda row: None if row[key] is None else f"{'>' if row['lower_bound'] else ''}{row[key]:.2f}"


def render(results: dict, targets: list[Target]) -> str:
    m, plan = results["machine"], results["options"]
    out = [machine_line(m), f"web: {m['web_command']}; load: Python load generator, "
           f"{plan['connections']} connections, {plan['redirect_seconds']:g} s per run after "
           f"{plan['warmup_seconds']:g} s of warm-up; lag load: the same at a fixed rate"]
    tables = {
        "redirect": ("Redirect throughput (gunicorn, Procfile web settings, no worker running)", {
            "mode": "mode", "req/s": "requests_per_second",
            **{f"{p} ms": ("latency_ms", p) for p in ("p50", "p95", "p99")},
            "web CPU ms/req": "web_ms_per_request", "machine busy": lambda r: f"{r['machine_busy']:.0%}",
            "conns per worker": lambda r: "/".join(map(str, r["connections_per_worker"] or "-")),
            "vs bare": "ratio_to_bare"}),
        "ingest": ("Ingestion (burst workers on a pre-filled queue or buffer); enrichment per click: "
                   "{new_agents_us} µs a new user agent, {cached_agents_us} µs a cached one", {
            "mode": "mode", "worker": lambda r: worker_label(r["worker_class"], r["processes"], r["batch"]),
            "clicks": "persisted", "seconds": "seconds", "clicks/s": "clicks_per_second",
            "wall s": "wall_seconds", "consistent": lambda r: "yes" if r["consistent"] else "NO"}),
        "lag": ("Lag, redirect to row visible (web, one Procfile worker; job mode at its rate, buffer "
                "mode at half the redirect capacity)", {
            "mode": "mode", "rate/s": "rate", "one worker clicks/s": "one_worker_rate",
            "redirect req/s": "capacity", "workers for redirect req/s": "workers_for_capacity",
            "redirects": "redirects", "stored": "stored", "p50 s": _lag("lag_p50_s"),
            "p99 s": _lag("lag_p99_s"), "max s": _lag("lag_max_s"), "target s": "target_s"}),
        "scale": ("Scale: median render, a link of {clicks_small:,} clicks (small), {clicks_big:,} (big)", {
            "page": "page", "ms, small": ("small", "median_ms"), "ms, big": ("big", "median_ms"),
            "ratio": "ratio", "skipped": "skipped"}),
        "memory": ("Memory: RSS after a warm-up and after the clicks (one link, one agent; the caches' "
                   "bounds: {link_cache_entries:,} links, {enrichment_cache_agents:,} agents)", {
            "process": "process", "clicks stored": "stored", "RSS before MiB": "rss_before_mib",
            "RSS after MiB": "rss_after_mib", "growth MiB": "growth_mib"}),
    }
    for part, (title, columns) in tables.items():
        if results.get(part):
            fields = {**results[part][0], **results.get("memory_cache_bounds", {}),
                      **results.get("enrichment", {})}
            out += ["", table(title.format(**fields), {"database": "database", **columns}, results[part])]
    out += ["", f"Targets: {sum(1 for t in targets if t.passed)} pass, "
            f"{sum(1 for t in targets if t.passed is False)} miss"]
    out += [f"- {t.database}: {t.name}: {t.verdict()}" for t in targets]
    if results["notes"]:
        out += ["", "Notes:", *(f"- {note}" for note in results["notes"])]
    return "\n".join(out)


def write(results: dict, directory: str) -> str:
    os.makedirs(directory, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = os.path.join(directory, f"{stamp}{'-quick' if results['options']['quick'] else ''}.json")
    with open(path, "w") as handle:
        json.dump(results, handle, indent=2)
        handle.write("\n")
    return path
