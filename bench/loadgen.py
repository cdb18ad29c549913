"""The load generator, in a process of its own (``run()``): HTTP/1.1 keep-alive over asyncio
streams, closed loop, or with ``--rate`` on a fixed schedule with latency from the scheduled time
(no coordinated omission) and the time each redirect was answered (for the lag)."""

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

RESPONSE_TIMEOUT = 5.0
# A desktop browser: the clicks count as people's, as they would in production (a missing or
# bot-like agent is counted apart, as a bot).
BROWSER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                 "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")
ERRORS = (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(url: str, seconds: float, connections: int, max_requests: int, workdir: str,
        rate: float | None = None) -> dict:
    """A load bounded in time and count: closed loop, or ``rate`` requests per second."""
    out = os.path.join(workdir, "loadgen.json")
    args = [sys.executable, "-m", "bench.loadgen", "--url", url, "--seconds", str(seconds),
            "--connections", str(connections), "--max-requests", str(max_requests), "--out", out]
    subprocess.run([*args, *(["--rate", str(rate)] if rate else [])], cwd=ROOT, check=True,
                   timeout=seconds + 60)
    with open(out) as handle:
        return json.load(handle)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of ``values`` (need not be sorted); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def latency_summary(seconds: list[float]) -> dict[str, float | None]:
    """p50/p95/p99/max of latencies given in seconds, in milliseconds."""
    values = {**{f"p{p}": percentile(seconds, p) for p in (50, 95, 99)}, "max": max(seconds, default=None)}
    return {name: None if value is None else round(value * 1000, 3) for name, value in values.items()}


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; its status and whether the server closes the connection."""
    lines = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
    headers = dict(line.lower().partition(b":")[::2] for line in lines[1:] if line)
    headers = {name.strip(): value.strip() for name, value in headers.items()}
    if b"transfer-encoding" in headers:
        raise ValueError("chunked responses are not supported")
    await reader.readexactly(int(headers.get(b"content-length", 0)))
    return int(lines[0].split(b" ", 2)[1]), headers.get(b"connection") == b"close"


class Load:
    def __init__(self, args: argparse.Namespace):
        self.args, url = args, urlsplit(args.url)
        self.host, self.port = url.hostname, url.port or 80
        self.request = (f"GET {url.path or '/'} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                        f"User-Agent: {BROWSER_AGENT}\r\nAccept: */*\r\n\r\n").encode()
        self.started, self.errors, self.statuses = 0, 0, Counter()
        self.latencies: list[float] = []
        self.redirect_times: list[float] = []  # wall clock, for the lag

    async def client(self, index: int, start: float) -> None:
        args, sent, streams = self.args, 0, None
        while self.started < args.max_requests:
            scheduled = start + (index + sent * args.connections) / args.rate if args.rate \
                else time.perf_counter()
            if scheduled >= start + args.seconds:
                break
            if args.rate:
                await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            self.started, sent = self.started + 1, sent + 1
            try:
                streams = streams or await asyncio.open_connection(self.host, self.port)
                streams[1].write(self.request)
                status, close = await asyncio.wait_for(read_response(streams[0]), RESPONSE_TIMEOUT)
            except ERRORS:
                self.errors, close = self.errors + 1, True
            else:
                self.latencies.append(time.perf_counter() - scheduled)
                self.statuses[status] += 1
                if args.rate and 300 <= status < 400:
                    self.redirect_times.append(time.time())
            if close and streams:
                streams[1].close()
                streams = None
        if streams:
            streams[1].close()

    async def run(self) -> dict:
        start = time.perf_counter()
        await asyncio.gather(*(self.client(index, start) for index in range(self.args.connections)))
        elapsed = time.perf_counter() - start
        completed = sum(self.statuses.values())
        return {"connections": self.args.connections, "seconds": round(elapsed, 3),
                "requests": completed, "errors": self.errors,
                "statuses": {str(code): count for code, count in sorted(self.statuses.items())},
                "requests_per_second": round(completed / elapsed, 1) if elapsed else 0.0,
                "latency_ms": latency_summary(self.latencies), "rate_target": self.args.rate,
                **({"redirect_times": sorted(self.redirect_times)} if self.args.rate else {})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    for flag, kind, default in (("--url", str, None), ("--seconds", float, None), ("--out", str, None),
                                ("--connections", int, 16), ("--max-requests", int, 1_000_000)):
        parser.add_argument(flag, type=kind, default=default, required=default is None)
    parser.add_argument("--rate", type=float, help="requests per second (and the time each "
                        "redirect was answered); default: closed loop")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("loopback only: the URL's host must be 127.0.0.1, localhost or ::1")
    result = asyncio.run(Load(args).run())
    with open(args.out, "w") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
