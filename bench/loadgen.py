"""The Python load generator: the fallback when wrk is not installed, and the
fixed-rate load of the lag measurement (wrk has no fixed rate).

Run in a process of its own, so it does not share the bench's interpreter:

    python -m bench.loadgen --url http://127.0.0.1:PORT/bench/go --seconds 10 \
        --connections 16 [--rate 500] [--record-times] --out result.json

HTTP/1.1 keep-alive over asyncio streams, ``--connections`` at once. Without
``--rate`` each connection sends its next request as soon as the last one is
answered (closed loop, like wrk). With ``--rate`` requests are sent on a fixed
schedule and latency is measured from the scheduled time, so a slow server
cannot hide its queueing (no coordinated omission). Bounded by ``--seconds``
and ``--max-requests``.
"""

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .stats import latency_summary

RESPONSE_TIMEOUT = 5.0


@dataclass
class Plan:
    host: str
    port: int
    path: str
    seconds: float
    connections: int
    max_requests: int
    rate: float | None = None
    record_times: bool = False


@dataclass
class Tally:
    started: int = 0
    errors: int = 0
    statuses: Counter = field(default_factory=Counter)
    latencies: list = field(default_factory=list)
    redirect_times: list = field(default_factory=list)  # wall clock, for the lag


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; its status and whether the server closes the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            close = value == b"close"
        elif name == b"transfer-encoding":
            raise ValueError("chunked responses are not supported")
    if length:
        await reader.readexactly(length)
    return status, close


class Connection:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.request = (f"GET {plan.path} HTTP/1.1\r\nHost: {plan.host}:{plan.port}\r\n"
                        "User-Agent: shortener-bench\r\nAccept: */*\r\n\r\n").encode()
        self.reader = self.writer = None

    async def exchange(self) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.plan.host,
                                                                     self.plan.port)
        self.writer.write(self.request)
        status, close = await asyncio.wait_for(read_response(self.reader), RESPONSE_TIMEOUT)
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _client(index: int, plan: Plan, tally: Tally, start: float) -> None:
    stop_at = start + plan.seconds
    connection = Connection(plan)
    sent = 0
    while tally.started < plan.max_requests:
        if plan.rate:
            scheduled = start + (index + sent * plan.connections) / plan.rate
            if scheduled >= stop_at:
                break
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        else:
            scheduled = time.perf_counter()
            if scheduled >= stop_at:
                break
        tally.started += 1
        sent += 1
        try:
            status = await connection.exchange()
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError):
            tally.errors += 1
            connection.close()
            continue
        tally.latencies.append(time.perf_counter() - scheduled)
        tally.statuses[status] += 1
        if plan.record_times and 300 <= status < 400:
            tally.redirect_times.append(time.time())
    connection.close()


async def run(plan: Plan) -> dict:
    tally = Tally()
    start = time.perf_counter()
    await asyncio.gather(*(_client(index, plan, tally, start)
                           for index in range(plan.connections)))
    elapsed = time.perf_counter() - start
    completed = sum(tally.statuses.values())
    result = {
        "generator": "python",
        "connections": plan.connections,
        "seconds": round(elapsed, 3),
        "requests": completed,
        "errors": tally.errors,
        "statuses": {str(code): count for code, count in sorted(tally.statuses.items())},
        "requests_per_second": round(completed / elapsed, 1) if elapsed else 0.0,
        "latency_ms": latency_summary(tally.latencies),
        "rate_target": plan.rate,
    }
    if plan.record_times:
        result["redirect_times"] = sorted(tally.redirect_times)
    return result


def parse_args(argv: list[str]) -> tuple[Plan, str]:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, help="requests per second; default: closed loop")
    parser.add_argument("--record-times", action="store_true",
                        help="keep the wall-clock time of each redirect answered")
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    args = parser.parse_args(argv)
    url = urlsplit(args.url)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("loopback only: the URL's host must be 127.0.0.1, localhost or ::1")
    plan = Plan(url.hostname, url.port or 80, url.path or "/", args.seconds, args.connections,
                args.max_requests, args.rate, args.record_times)
    return plan, args.out


def main(argv: list[str] | None = None) -> int:
    plan, out = parse_args(sys.argv[1:] if argv is None else argv)
    result = asyncio.run(run(plan))
    with open(out, "w") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
