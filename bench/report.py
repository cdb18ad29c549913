"""The printed table (Markdown, so it pastes into the README) and the JSON file."""

import json
import os
from datetime import UTC, datetime

from . import machine as machine_info
from .targets import Target


def table(headers: list[str], rows: list[list], right: set[int] | None = None) -> str:
    right = right if right is not None else set(range(2, len(headers)))
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]

    def line(values):
        padded = [value.rjust(widths[i]) if i in right else value.ljust(widths[i])
                  for i, value in enumerate(values)]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" if i in right else "-" * (w + 2)
                          for i, w in enumerate(widths)) + "|"
    return "\n".join([line(headers), rule, *(line(row) for row in cells)])


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _short(targets: list[Target], name: str, database: str) -> str:
    for target in targets:
        if target.name == name and target.database == database:
            if target.passed is None:
                return "not measured"
            if target.passed:
                return "pass"
            return "MISS"
    return ""


def render(results: dict, targets: list[Target]) -> str:
    out = [machine_info.line(results["machine"]), _load_line(results)]
    sections = (("redirect", _redirect), ("ingest", _ingest), ("lag", _lag), ("scale", _scale))
    for key, section in sections:
        if results.get(key) is not None:
            out += ["", section(results[key], targets)]
    passed = sum(1 for t in targets if t.passed)
    missed = sum(1 for t in targets if t.passed is False)
    out += ["", f"Targets: {passed} pass, {missed} miss"]
    out += [f"- {t.database}: {t.name}: {t.verdict()}" for t in targets]
    if results["notes"]:
        out += ["", "Notes:", *(f"- {note}" for note in results["notes"])]
    return "\n".join(out)


def _load_line(results: dict) -> str:
    m, options = results["machine"], results["options"]
    generator = f"wrk {m['wrk']}, 1 thread" if m["load_generator"] == "wrk" \
        else "Python load generator (wrk not installed)"
    return (f"web: {m['web_command']}; load: {generator}, {options['connections']} connections, "
            f"{options['redirect_seconds']:g} s per run after {options['warmup_seconds']:g} s "
            "of warm-up; lag load: Python generator at a fixed rate")


def _redirect(rows: list[dict], targets: list[Target]) -> str:
    body = [[row["database"], row["mode"], row["requests_per_second"],
             row["latency_ms"]["p50"], row["latency_ms"]["p95"], row["latency_ms"]["p99"],
             (row["cpu"] or {}).get("web_ms_per_request"), _percent((row["cpu"] or {}).get(
                 "machine_busy")), row.get("ratio_to_bare", 1.0),
             _short(targets, f"redirect {row['mode']} / bare", row["database"])]
            for row in rows]
    return "Redirect throughput (gunicorn, Procfile web settings, no worker running)\n" + table(
        ["database", "mode", "req/s", "p50 ms", "p95 ms", "p99 ms", "web CPU ms/req",
         "machine busy", "vs bare", "target"], body, right={2, 3, 4, 5, 6, 7, 8})


def _percent(value: float | None) -> str | None:
    return None if value is None else f"{value:.0%}"


def _ingest(rows: list[dict], targets: list[Target]) -> str:
    body = [[row["database"], row["mode"], row["worker_class"].rpartition(".")[2],
             row["persisted"], row["seconds"], row["clicks_per_second"],
             row["wall_seconds"], "yes" if row["consistent"] else "NO",
             _short(targets, "buffer ingestion / buffer redirect rate", row["database"])
             if row["mode"] == "buffer" else ""]
            for row in rows]
    return "Ingestion (one rq worker process, burst, pre-filled queue or buffer)\n" + table(
        ["database", "mode", "worker", "clicks", "seconds", "clicks/s", "wall s", "consistent",
         "target"], body, right={3, 4, 5, 6})


def _lag(rows: list[dict], targets: list[Target]) -> str:
    def seconds(row, key):
        value = row[key]
        return None if value is None else f"{'>' if row['lower_bound'] else ''}{value:.2f}"

    body = [[row["database"], row["mode"], row["rate"], row["redirects"], row["stored"],
             seconds(row, "lag_p50_s"), seconds(row, "lag_p99_s"), seconds(row, "lag_max_s"),
             row["target_s"], _short(targets, f"lag p99, {row['mode']} mode", row["database"])]
            for row in rows]
    worker = rows[0]["worker_class"].rpartition(".")[2] if rows else "worker"
    return (f"Lag, redirect to row visible (web + Procfile worker ({worker}) + scheduler in "
            "buffer mode, at half the redirect capacity)\n" + table(
                ["database", "mode", "rate/s", "redirects", "stored", "p50 s", "p99 s",
                 "max s", "target s", "target"], body, right={2, 3, 4, 5, 6, 7, 8}))


def _scale(rows: list[dict], targets: list[Target]) -> str:
    body = []
    for row in rows:
        name = f"{row['page']} at {row['clicks_big']:,} / {row['clicks_small']:,} clicks"
        body.append([row["database"], row["page"],
                     row["small"].get("median_ms"), row["big"].get("median_ms"),
                     row.get("ratio"), row.get("skipped") or _short(targets, name,
                                                                    row["database"])])
    small = rows[0]["clicks_small"] if rows else 0
    big = rows[0]["clicks_big"] if rows else 0
    return "Scale: page render time, median (in-process test client)\n" + table(
        ["database", "page", f"ms at {small:,} clicks", f"ms at {big:,} clicks", "ratio",
         "target"], body, right={2, 3, 4})


def write(results: dict, directory: str) -> str:
    os.makedirs(directory, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = "-quick" if results["options"]["quick"] else ""
    path = os.path.join(directory, f"{stamp}{suffix}.json")
    with open(path, "w") as handle:
        json.dump(results, handle, indent=2)
        handle.write("\n")
    return path
