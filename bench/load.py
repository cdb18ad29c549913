"""Running load against a server: wrk when installed, else the Python generator.

Either way the load runs in a process of its own, and each run is bounded in
time (``seconds``) and in count (``max_requests``).
"""

import json
import os
import re
import shutil
import subprocess
import sys

from shortener import PROJECT_ROOT

from .loadgen import BROWSER_AGENT

# wrk stops each thread at its share of max_requests, and its done() hook
# prints the numbers the bench needs (p95 included, which --latency lacks).
WRK_SCRIPT = """
local limit = 0
local answered = 0
redirects = 0  -- global: done() reads it with thread:get()
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  limit = tonumber(args[1]) or 0
end

function response(status, headers, body)
  answered = answered + 1
  if status >= 300 and status < 400 then redirects = redirects + 1 end
  if limit > 0 and answered >= limit then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local redirected = 0
  for _, thread in ipairs(threads) do redirected = redirected + thread:get("redirects") end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "redirects": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p95": %d, "p99": %d, "max": %d}}\\n',
    summary.requests, summary.duration, redirected,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_version() -> str | None:
    path = wrk_path()
    if not path:
        return None
    output = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    match = re.search(r"wrk\s+(\S+)", output.stdout + output.stderr)
    return match.group(1) if match else "unknown"


def choose(requested: str) -> str:
    """``wrk`` or ``python``, for ``--load-generator auto|wrk|python``."""
    if requested == "auto":
        return "wrk" if wrk_path() else "python"
    if requested == "wrk" and not wrk_path():
        raise SystemExit("--load-generator wrk: wrk is not installed (apt-get install -y wrk)")
    return requested


def closed_loop(generator: str, url: str, seconds: float, connections: int,
                max_requests: int, workdir: str) -> dict:
    """As many requests as the server answers, ``connections`` at a time."""
    if generator == "wrk":
        return _wrk(url, seconds, connections, max_requests, workdir)
    return _python(url, seconds, connections, max_requests, workdir)


def fixed_rate(url: str, rate: float, seconds: float, connections: int, workdir: str) -> dict:
    """``rate`` requests per second, with the time each redirect was answered."""
    return _python(url, seconds, connections, int(rate * seconds) + 1, workdir,
                   ["--rate", str(rate), "--record-times"])


def _wrk(url: str, seconds: float, connections: int, max_requests: int, workdir: str) -> dict:
    script = os.path.join(workdir, "bench.lua")
    with open(script, "w") as handle:
        handle.write(WRK_SCRIPT)
    threads = 1  # one is plenty for a Python server, and leaves the cores to it
    args = [wrk_path(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            "--timeout", "5s", "-H", f"User-Agent: {BROWSER_AGENT}", "-s", script, url, "--",
            str(max_requests // threads)]
    output = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60)
    line = next((line for line in output.stdout.splitlines() if line.startswith("BENCH_RESULT ")),
                None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{output.stdout}\n{output.stderr}")
    return parse_wrk(json.loads(line.removeprefix("BENCH_RESULT ")), connections)


def parse_wrk(raw: dict, connections: int) -> dict:
    """wrk's done() numbers in the shape of the Python generator's result."""
    elapsed = raw["duration_us"] / 1e6
    errors = raw["errors"]
    return {
        "generator": "wrk",
        "connections": connections,
        "seconds": round(elapsed, 3),
        "requests": raw["requests"],
        "errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        "statuses": {"3xx": raw["redirects"], "other": raw["requests"] - raw["redirects"]},
        "requests_per_second": round(raw["requests"] / elapsed, 1) if elapsed else 0.0,
        "latency_ms": {name: round(value / 1000, 3) for name, value in raw["latency_us"].items()},
    }


def _python(url: str, seconds: float, connections: int, max_requests: int, workdir: str,
            extra: list[str] | None = None) -> dict:
    out = os.path.join(workdir, "loadgen.json")
    args = [sys.executable, "-m", "bench.loadgen", "--url", url, "--seconds", str(seconds),
            "--connections", str(connections), "--max-requests", str(max_requests),
            "--out", out, *(extra or [])]
    subprocess.run(args, cwd=PROJECT_ROOT, check=True, timeout=seconds + 60)
    with open(out) as handle:
        return json.load(handle)
