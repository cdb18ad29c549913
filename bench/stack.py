"""The app's real processes, started as the Procfile starts them, on the run's data; each in a
session of its own, so stopping it stops what it forked (gunicorn's workers, RQ's work horses)."""

import contextlib
import http.client
import os
import signal
import subprocess

from rq import Worker

from shortener import PROJECT_ROOT
from shortener.dev.embedded_redis import free_port
from tests.support import procfile
from tests.support.harness import wait_until

from .context import Database, Run

BARE_APP = "bench.bare_app:create_app()"
SCHEDULED = "rq:scheduler:scheduled_jobs"  # rq-scheduler's sorted set of entries


class Child:
    """A subprocess with its output in a log file; gunicorn's quick shutdown is SIGINT."""

    def __init__(self, name: str, args: list[str], env: dict, log_dir: str, port: int = 0,
                 path: str = ""):
        self.name, self.port, self.path = name, port, path
        self.url = f"http://127.0.0.1:{port}{path}"  # a web server's: where the load goes
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self._log = open(self.log_path, "ab")  # noqa: SIM115 -- closed in finish()
        self.process = subprocess.Popen(
            args, env=env, cwd=PROJECT_ROOT, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)

    def running(self) -> bool:
        return self.process.poll() is None

    def check_alive(self) -> None:
        if not self.running():
            raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")

    def wait_for(self, predicate, what: str, timeout: float = 30.0) -> None:
        try:
            wait_until(predicate, timeout, what, self.check_alive)
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}; {self.name}'s log:\n{self.log_tail()}") from None

    def answers(self) -> bool:
        """Whether a HEAD of the path answers (HEAD: the redirect records no click for it)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("HEAD", self.path)
            return connection.getresponse().status < 500
        except OSError:
            return False  # not listening yet
        finally:
            connection.close()

    def send(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone: nothing to stop
            os.killpg(self.process.pid, signum)  # the group this child leads, and only that

    def finish(self, timeout: float = 10.0) -> None:
        """Wait for the child to exit; SIGKILL its group if still there after ``timeout``."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.send(signal.SIGKILL)
            self.process.wait(5)
        self._log.close()

    def log_tail(self, lines: int = 20) -> str:
        with open(self.log_path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])


@contextlib.contextmanager
def running(*children: Child):
    """Stop all ``children`` on leaving, at once rather than one after the other."""
    try:
        yield children
    finally:
        for child in children:
            if child.running():
                child.send(signal.SIGINT if child.port else signal.SIGTERM)
        for child in children:
            child.finish()


def web_argv(env: dict, bare: bool = False) -> list[str]:
    """The Procfile's web line (gunicorn); for the bare app, the same line serving it."""
    args = procfile.argv("web", env)
    bind = procfile.option(args, "--bind") or ""
    if bind.rpartition(":")[0] not in ("127.0.0.1", "localhost", "[::1]"):
        raise RuntimeError(f"the web line binds {bind!r}; the bench serves loopback only")
    return [BARE_APP if bare and arg == "wsgi:app" else arg for arg in args]


def burst_worker(run: Run, database: Database, worker_class: str, processes: int = 1,
                 **app_settings) -> Child:
    """``rq worker --worker-class ... --burst clicks``, started now; with ``processes`` > 1,
    ``rq worker-pool --num-workers N`` of the same; ``app_settings`` in its env."""
    pool = ["worker-pool", "--num-workers", str(processes)] if processes > 1 else ["worker"]
    args = [os.path.join(procfile.BIN, "rq"), *pool, "--worker-class", worker_class,
            "--url", run.redis_url, "--burst", "clicks"]
    name = "-".join(map(str, ["ingest", database.kind, worker_class.rpartition(".")[2], processes,
                              *app_settings.values()]))
    return Child(name, args, run.env(database, **app_settings), run.workdir)


@contextlib.contextmanager
def app_processes(run: Run, database: Database | None, mode: str, path: str, workers: bool = True):
    """gunicorn with the Procfile's web settings (``database`` None: the bare app) and, with
    ``workers``, one Procfile ``worker`` and, in buffer mode, the Procfile ``scheduler``, started
    side by side; yields (server, worker or None) once all are ready, stops them on leaving."""
    port, kind = free_port(), database.kind if database else "bare"
    env = run.env(database, CLICK_TRACKING=mode if database else "off")
    web_env = {**env, "PORT": str(port)}
    server = Child(f"web-{kind}-{mode}", web_argv(web_env, not database), web_env, run.workdir, port, path)
    names = ("worker", "scheduler")[:(1 + (mode == "buffer")) if workers else 0]
    worker, *scheduler = [Child(f"{name}-{kind}-{mode}", procfile.argv(name, env), env, run.workdir)
                          for name in names] or [None]
    with running(server, *filter(None, [worker, *scheduler])):
        server.wait_for(server.answers, f"{server.name} to answer")
        if worker:
            worker.wait_for(lambda: Worker.count(connection=run.redis) > 0, "the rq worker to register")
        for child in scheduler:
            child.wait_for(lambda: run.redis.zcard(SCHEDULED) > 0, "the scheduler to reconcile its entries")
        yield server, worker
