"""``python -m bench``: options, setting up the run's own services, the parts in order."""

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime

from shortener import PROJECT_ROOT

from . import context, ingest, lag, memory, redirect, report, scale

PARTS = {"redirect": redirect.run_part, "ingest": ingest.run_part, "lag": lag.run_part,
         "scale": scale.run_part, "memory": memory.run_part}  # each: (run, results) -> rows


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Benchmark the shortener "
                                     "on this machine, on loopback, with throwaway data of its own.")
    parser.add_argument("--quick", action="store_true", help="tiny durations and seeds (the smoke test's)")
    parser.add_argument("--only", default=",".join(PARTS), help=f"parts to run (default: {','.join(PARTS)})")
    parser.add_argument("--databases", default="auto", help="sqlite, postgresql or both (default: "
                        "SQLite, and PostgreSQL when a URL is given)")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL"), help="a local PostgreSQL, where the bench works in a schema of its own "
                        "(default: BENCH_DATABASE_URL or TEST_DATABASE_URL)")
    parser.add_argument("--flush-interval", type=int, help="CLICK_FLUSH_INTERVAL (default: 10, quick: 1)")
    parser.add_argument("--results-dir", default=os.path.join(PROJECT_ROOT, "bench", "results"))
    args = parser.parse_args(argv)
    args.only = [part.strip() for part in args.only.split(",") if part.strip()]
    if set(args.only) - set(PARTS):
        parser.error(f"--only: unknown part(s) {', '.join(sorted(set(args.only) - set(PARTS)))}")
    return args


def databases(args: argparse.Namespace, workdir: str, notes: list[str]) -> list:
    wanted = args.databases.split(",") if args.databases != "auto" else ["sqlite", "postgresql"]
    chosen = [context.sqlite_database(workdir)] if "sqlite" in wanted else []
    if "postgresql" in wanted and args.postgres_url:
        chosen.append(context.postgresql_database(args.postgres_url))
    elif "postgresql" in wanted and args.databases == "auto":
        notes.append("PostgreSQL skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL), "
                     "e.g. postgresql://postgres@127.0.0.1:5432/test")
    elif "postgresql" in wanted:
        raise context.BenchSetupError("--databases postgresql needs --postgres-url or BENCH_DATABASE_URL")
    return chosen


def run_parts(run: context.Run, only: list[str], results: dict) -> list[str]:
    """Run the parts asked for, in order; a failing part is reported and the rest go on."""
    failed = []
    for part in (part for part in PARTS if part in only):
        started = time.monotonic()
        try:
            results[part] = PARTS[part](run, results)
        except Exception as exc:  # one broken part must not lose the others' numbers
            traceback.print_exc()
            run.note(f"{part} failed: {type(exc).__name__}: {exc}".splitlines()[0])
            failed.append(part)
        results["part_seconds"][part] = round(time.monotonic() - started, 1)
    return failed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="shortener-bench-")
    plan = context.Plan(**{**context.PLAN, **(context.QUICK if args.quick else {}),
                            **({"flush_interval": args.flush_interval} if args.flush_interval else {})})
    notes: list[str] = []
    chosen: list = []
    try:
        chosen = databases(args, workdir, notes)
        run = context.Run(plan, workdir, chosen, notes=notes)
    except context.BenchSetupError as exc:
        for database in chosen:  # a schema made before the redis-server failed
            database.close()
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    results = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"),
               "options": {"quick": args.quick, "only": args.only,
                           "databases": [db.kind for db in run.databases], **vars(run.plan)},
               "machine": report.describe_machine(run), "part_seconds": {}, "notes": run.notes}
    load_average = results["machine"]["load_average_at_start"][0]
    if load_average >= 0.5:
        run.note(f"the machine was not idle at the start (load average {load_average:g}): other "
                 f"work competes for its {results['machine']['cpu_count']} cores; expect noise")
    if args.quick:
        run.note("quick run: tiny durations and seeds; its numbers check the harness, not the app")
    try:
        failed = run_parts(run, args.only, results)
    finally:
        run.close()
    results["elapsed_seconds"] = round(time.monotonic() - started, 1)
    targets = report.check(results, run.plan.flush_interval)
    results["targets"] = [target.as_dict() for target in targets]
    print("\n" + report.render(results, targets))
    path = report.write(results, args.results_dir)
    print(f"\nresults: {os.path.relpath(path)} ({results['elapsed_seconds']:g} s in all)")
    if failed:
        print(f"logs of the processes kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0
