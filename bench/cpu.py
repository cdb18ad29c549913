"""CPU time spent by the processes of a measurement, from /proc (Linux; None elsewhere).

Throughput alone cannot tell a slow request from a busy machine: CPU
milliseconds per request can, and the machine's busy share shows when the
cores ran out (the load generator and any other work included).
"""

import os
import time

try:
    TICKS = os.sysconf("SC_CLK_TCK")
except (AttributeError, ValueError, OSError):
    TICKS = 100


def _stat_fields(pid: str) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rpartition(")")[2].split()
    except OSError:
        return None  # gone meanwhile, or no /proc


def group_seconds(group_id: int) -> float:
    """User + system CPU seconds of the live processes in process group ``group_id``."""
    total = 0.0
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else ():
        fields = _stat_fields(pid) if pid.isdigit() else None
        if fields and int(fields[2]) == group_id:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def machine_seconds() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of the whole machine since boot."""
    try:
        with open("/proc/stat") as handle:
            values = [int(value) for value in handle.readline().split()[1:]]
    except OSError:
        return None
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


class Meter:
    """CPU of some process groups and of the machine between ``start()`` and ``stop()``."""

    def __init__(self, groups: dict[str, int]):
        self.groups = groups

    def start(self) -> None:
        self._wall = time.monotonic()
        self._groups = {name: group_seconds(gid) for name, gid in self.groups.items()}
        self._machine = machine_seconds()

    def stop(self, requests: int) -> dict | None:
        if self._machine is None:
            return None
        wall = time.monotonic() - self._wall
        busy, total = (after - before for after, before in zip(machine_seconds(), self._machine,
                                                                 strict=True))
        result = {"machine_busy": round(busy / total, 3) if total else None}
        for name, gid in self.groups.items():
            used = group_seconds(gid) - self._groups[name]
            result[f"{name}_cores"] = round(used / wall, 2)
            result[f"{name}_ms_per_request"] = round(used * 1000 / requests, 3) if requests else None
        return result
