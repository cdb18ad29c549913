"""The issue's targets, checked against a run's results (a miss says by how much); the
printed tables (Markdown, so they paste into the README) and the JSON file."""

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from .ingest import FORKING, worker_label
from .lag import target_seconds
from .machine import line as machine_line

REDIRECT_RATIOS = {"off": 0.85, "buffer": 0.6, "job": 0.45}
INGEST_RATES = {"buffer": 10_000.0, "job": 300.0}  # clicks/s; job: one InProcessWorker
INGEST_OVER_REDIRECT = 20.0
SCALE_RATIO = 1.5
# RSS a process may gain past the warm-up while the caches hold one entry each: the
# allocator's slack, not a cache filling (see bench/memory.py).
MEMORY_GROWTH_MIB = 10.0
INGEST_TARGET = "buffer ingestion / buffer redirect rate"
# Job mode in batches, one InProcessWorker: against itself one job at a time, and one buffer flush.
BATCH_OVER_ONE_BY_ONE = 10.0
BATCH_OVER_BUFFER = 0.5
BATCH_TARGETS = {"one job at a time": BATCH_OVER_ONE_BY_ONE, "buffer flush": BATCH_OVER_BUFFER}


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
        shown = f"{'>' if self.lower_bound else ''}{self.value:g}{self.unit}"
        text = f"{shown} (target {'>=' if self.at_least else '<='} {self.limit:g}{self.unit})"
        if self.passed:
            return f"pass: {text}"
        if self.at_least:
            short = 1 - self.value / self.limit
            return f"MISS: {text}, {short:.0%} short ({self.value / self.limit:.2f} of target)"
        return (f"MISS: {text}, {self.value - self.limit:g}{self.unit} over "
                f"({self.value / self.limit:.2f}x the limit)")

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed, "verdict": self.verdict()}


def ingest_target(row: dict) -> str:
    name = f"{row['mode']} ingestion with enrichment, one {row['worker_class'].rpartition('.')[2]}"
    if row.get("batch"):  # job mode: one job at a time, or in batches
        name += ", one job at a time" if row["batch"] <= 1 else ", in batches"
    return name


def scale_target(row: dict) -> str:
    return f"{row['page']} at {row['clicks_big']:,} / {row['clicks_small']:,} clicks"


def memory_target(row: dict) -> str:
    return f"RSS growth of the {row['process']} over {row['clicks']:,} clicks"


def check(results: dict, flush_interval: int) -> list[Target]:
    redirect = {(row["database"], row["mode"]): row for row in results.get("redirect", [])
                if row.get("procfile", True)}  # targets hold for the Procfile's worker class
    targets = [Target(f"redirect {mode} / bare", database, row.get("ratio_to_bare"),
                      REDIRECT_RATIOS[mode], True, "x")
               for (database, mode), row in redirect.items() if mode in REDIRECT_RATIOS]
    for row in results.get("ingest", []):
        if row["mode"] == "buffer":
            rate = redirect.get((row["database"], "buffer"), {}).get("requests_per_second")
            ratio = round(row["clicks_per_second"] / rate, 1) \
                if rate and row["clicks_per_second"] else None
            targets.append(Target(INGEST_TARGET, row["database"], ratio, INGEST_OVER_REDIRECT,
                                  True, "x"))
        if row["mode"] in INGEST_RATES and row["worker_class"] != FORKING \
                and row.get("processes", 1) == 1:
            targets.append(Target(ingest_target(row), row["database"], row["clicks_per_second"],
                                  INGEST_RATES[row["mode"]], True, " clicks/s"))
    targets += batch_targets(results.get("ingest", []))
    targets += [Target(f"lag p99, {row['mode']} mode", row["database"], row["lag_p99_s"],
                       target_seconds(row["mode"], flush_interval), False, " s", row["lower_bound"])
                for row in results.get("lag", [])]
    targets += [Target(scale_target(row), row["database"], row.get("ratio"), SCALE_RATIO, False, "x")
                for row in results.get("scale", [])]
    targets += [Target(memory_target(row), row["database"], row["growth_mib"], MEMORY_GROWTH_MIB,
                       False, " MiB") for row in results.get("memory", [])]
    return targets


def batch_targets(rows: list[dict]) -> list[Target]:
    """Job mode in batches (one process) as a ratio to the same worker one job at a time and to
    one buffer flush, in the same run."""
    targets = []
    for database in dict.fromkeys(row["database"] for row in rows):
        one = {_batch_kind(row): row["clicks_per_second"] for row in rows
               if row["database"] == database and row.get("processes", 1) == 1
               and row["worker_class"] != FORKING}
        batched = one.get("batches")
        for against, limit in BATCH_TARGETS.items():
            base = one.get(against)
            ratio = round(batched / base, 2) if batched and base else None
            targets.append(Target(f"job ingestion in batches / {against}", database, ratio, limit,
                                  True, "x"))
    return targets


def _batch_kind(row: dict) -> str:
    if row["mode"] == "buffer":
        return "buffer flush"
    return "one job at a time" if (row.get("batch") or 1) <= 1 else "batches"


def table(title: str, headers: list[str], rows: list[list], right: set[int]) -> str:
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]

    def line(values):
        return "| " + " | ".join(value.rjust(widths[i]) if i in right else value.ljust(widths[i])
                                 for i, value in enumerate(values)) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" if i in right else "-" * (w + 2)
                          for i, w in enumerate(widths)) + "|"
    return "\n".join([title, line(headers), rule, *(line(row) for row in cells)])


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render(results: dict, targets: list[Target]) -> str:
    short = {(t.name, t.database): {None: "not measured", True: "pass", False: "MISS"}[t.passed]
             for t in targets}

    def verdict(name: str, row: dict) -> str:
        return short.get((name, row["database"]), "")

    out = [machine_line(results["machine"]), _load_line(results)]
    for part, render_part in TABLES.items():
        if results.get(part) is not None:
            out += ["", render_part(results, verdict)]
    passed = sum(1 for t in targets if t.passed)
    missed = sum(1 for t in targets if t.passed is False)
    out += ["", f"Targets: {passed} pass, {missed} miss"]
    out += [f"- {t.database}: {t.name}: {t.verdict()}" for t in targets]
    if results["notes"]:
        out += ["", "Notes:", *(f"- {note}" for note in results["notes"])]
    return "\n".join(out)


def redirect_table(results: dict, verdict) -> str:
    rows = results["redirect"]
    first = rows[0].get("worker_class") if rows else None
    body = [[row["database"], row["mode"], row.get("worker_class"), row["requests_per_second"],
             row["latency_ms"]["p50"], row["latency_ms"]["p95"], row["latency_ms"]["p99"],
             (row["cpu"] or {}).get("web_ms_per_request"),
             _percent((row["cpu"] or {}).get("machine_busy")),
             "/".join(map(str, row.get("connections_per_worker") or [])) or None,
             row.get("ratio_to_bare", 1.0), row.get("ratio_to_first_class"),
             verdict(f"redirect {row['mode']} / bare", row) if row.get("procfile", True) else ""]
            for row in rows]
    return table("Redirect throughput (gunicorn, Procfile web settings, no worker running)",
                 ["database", "mode", "worker class", "req/s", "p50 ms", "p95 ms", "p99 ms",
                  "web CPU ms/req", "machine busy", "conns per worker", "vs bare",
                  f"vs {first}", "target"],
                 body, right={3, 4, 5, 6, 7, 8, 10, 11})


def ingest_table(results: dict, verdict) -> str:
    body = [[row["database"], row["mode"],
             worker_label(row["worker_class"], row.get("processes", 1), row.get("batch")),
             row["persisted"], row["seconds"], row["clicks_per_second"], row["wall_seconds"],
             "yes" if row["consistent"] else "NO",
             verdict(ingest_target(row), row) or verdict(INGEST_TARGET, row)
             if row["mode"] == "buffer" else verdict(ingest_target(row), row)]
            for row in results["ingest"]]
    cost = results.get("enrichment") or {}
    return "\n".join([
        table("Ingestion (rq worker --burst, or worker-pool, on a pre-filled queue or buffer)",
              ["database", "mode", "worker", "clicks", "seconds", "clicks/s", "wall s",
               "consistent", "target"], body, right={3, 4, 5, 6}),
        f"Enrichment per click: {cost.get('new_agents_us')} µs for a new user agent, "
        f"{cost.get('cached_agents_us')} µs for one seen before (per-process cache)"])


def lag_table(results: dict, verdict) -> str:
    rows = results["lag"]

    def seconds(row, key):
        value = row[key]
        return None if value is None else f"{'>' if row['lower_bound'] else ''}{value:.2f}"

    body = [[row["database"], row["mode"], row["rate"], row.get("one_worker_rate"),
             row["capacity"], row.get("workers_for_capacity"), row["redirects"], row["stored"],
             seconds(row, "lag_p50_s"), seconds(row, "lag_p99_s"), seconds(row, "lag_max_s"),
             row["target_s"], verdict(f"lag p99, {row['mode']} mode", row)] for row in rows]
    worker = rows[0]["worker_class"].rpartition(".")[2] if rows else "worker"
    return table(f"Lag, redirect to row visible (web + one Procfile worker ({worker}) + "
                 "scheduler in buffer mode; job: at the rate one worker process stores, "
                 "buffer: at half the redirect capacity)",
                 ["database", "mode", "rate/s", "one worker clicks/s", "redirect req/s",
                  "workers for redirect req/s", "redirects", "stored", "p50 s", "p99 s", "max s",
                  "target s", "target"], body, right=set(range(2, 12)))


def scale_table(results: dict, verdict) -> str:
    rows = results["scale"]
    body = [[row["database"], row["page"], row["small"].get("median_ms"),
             row["big"].get("median_ms"), row.get("ratio"),
             row.get("skipped") or verdict(scale_target(row), row)] for row in rows]
    small, big = (rows[0]["clicks_small"], rows[0]["clicks_big"]) if rows else (0, 0)
    return table("Scale: page render time, median (in-process test client)",
                 ["database", "page", f"ms at {small:,} clicks", f"ms at {big:,} clicks", "ratio",
                  "target"], body, right={2, 3, 4})


def memory_table(results: dict, verdict) -> str:
    body = [[row["database"], row["process"], row["stored"], row["rss_before_mib"],
             row["rss_after_mib"], row["growth_mib"], verdict(memory_target(row), row)]
            for row in results["memory"]]
    bounds = results.get("memory_cache_bounds") or {}
    return table("Memory: RSS after a warm-up and after the clicks (job mode, web + one Procfile "
                 "worker; one link, one user agent, so the caches hold one entry each; their "
                 f"bounds: link cache {bounds.get('link_cache_entries', 0):,} links, enrichment "
                 f"cache {bounds.get('enrichment_cache_agents', 0):,} agents)",
                 ["database", "process", "clicks stored", "RSS before MiB", "RSS after MiB",
                  "growth MiB", "target"], body, right={2, 3, 4, 5})


TABLES = {"redirect": redirect_table, "ingest": ingest_table, "lag": lag_table,
          "scale": scale_table, "memory": memory_table}


def _load_line(results: dict) -> str:
    m, options = results["machine"], results["options"]
    generator = f"wrk {m['wrk']}, 1 thread" if m["load_generator"] == "wrk" \
        else "Python load generator (wrk not installed)"
    return (f"web: {m['web_command']}; load: {generator}, {options['connections']} connections, "
            f"{options['redirect_seconds']:g} s per run after {options['warmup_seconds']:g} s "
            "of warm-up; lag load: Python generator at a fixed rate")


def _percent(value: float | None) -> str | None:
    return None if value is None else f"{value:.0%}"


def write(results: dict, directory: str) -> str:
    os.makedirs(directory, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = os.path.join(directory, f"{stamp}{'-quick' if results['options']['quick'] else ''}.json")
    with open(path, "w") as handle:
        json.dump(results, handle, indent=2)
        handle.write("\n")
    return path
