"""Child processes of the bench (gunicorn, rq worker, scheduler, load generator).

Each one is started in a session of its own, so stopping it also stops what
it forked (gunicorn's workers, RQ's work horses), and nothing else.
"""

import contextlib
import http.client
import os
import signal
import subprocess
import time

from .procfile import PROJECT_ROOT


class Child:
    """A subprocess with its output in a log file; a context manager that stops it."""

    def __init__(self, name: str, args: list[str], env: dict, log_dir: str,
                 stop_signal: int = signal.SIGTERM):
        self.name = name
        self.stop_signal = stop_signal
        self.args = args
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self._log = open(self.log_path, "ab")  # noqa: SIM115 -- closed in stop()
        self.process = subprocess.Popen(
            args, env=env, cwd=PROJECT_ROOT, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )

    def running(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = 10.0) -> None:
        """Signal the child's process group; SIGKILL it if still there after ``timeout``."""
        self.ask_to_stop()
        self.finish(timeout)

    def ask_to_stop(self) -> None:
        if self.running():
            self._signal(self.stop_signal)

    def finish(self, timeout: float = 10.0) -> None:
        if self.wait(timeout) is None:
            self._signal(signal.SIGKILL)
            self.process.wait(5)
        self._log.close()

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone: nothing to stop
            os.killpg(self.process.pid, signum)  # the group this child leads, and only that

    def log_tail(self, lines: int = 20) -> str:
        with open(self.log_path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@contextlib.contextmanager
def running(*children: Child):
    """Stop all ``children`` on leaving, at once rather than one after the other."""
    try:
        yield children
    finally:
        for child in children:
            child.ask_to_stop()
        for child in children:
            child.finish()


def wait_for_http(child: Child, port: int, path: str, timeout: float = 30.0) -> None:
    """Wait until a HEAD of ``path`` answers (HEAD: the redirect records no click for it)."""
    deadline = time.monotonic() + timeout
    while True:
        if not child.running():
            raise RuntimeError(f"{child.name} exited early:\n{child.log_tail()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("HEAD", path)
            status = connection.getresponse().status
            connection.close()
            if status < 500:
                return
        except OSError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise RuntimeError(f"{child.name} did not answer in {timeout:.0f} s:\n"
                               f"{child.log_tail()}")
        time.sleep(0.05)


def wait_until(predicate, timeout: float, what: str, child: Child | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if child is not None and not child.running():
            raise RuntimeError(f"{child.name} exited early:\n{child.log_tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
