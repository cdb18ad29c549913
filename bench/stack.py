"""The app's real processes, started as the Procfile starts them, on the run's data.

``start_*`` returns at once; ``wait_*`` waits until the process is ready, so
that several can start side by side.
"""

import contextlib
import os
import signal

from rq import Worker

from shortener.dev.embedded_redis import free_port

from . import procfile
from .context import Run
from .processes import Child, running, wait_for_http, wait_until
from .services import Database

BARE_APP = "bench.bare_app:create_app()"
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
SCHEDULED = "rq:scheduler:scheduled_jobs"  # rq-scheduler's sorted set of entries


class WebServer(Child):
    """gunicorn; ``url`` is the path the load goes to."""

    def __init__(self, name: str, args: list[str], env: dict, log_dir: str, port: int,
                 path: str):
        # SIGINT is gunicorn's quick shutdown: nothing is in flight by then.
        super().__init__(name, args, env, log_dir, stop_signal=signal.SIGINT)
        self.port, self.path = port, path
        self.url = f"http://127.0.0.1:{port}{path}"

    def wait_ready(self) -> None:
        wait_for_http(self, self.port, self.path)


def web_argv(env: dict, bare: bool = False) -> list[str]:
    """The Procfile's web line (gunicorn); for the bare app, the same line serving it."""
    args = procfile.argv("web", env)
    bind = procfile.option(args, "--bind") or ""
    if bind.rpartition(":")[0] not in LOOPBACK:
        raise RuntimeError(f"the web line binds {bind!r}; the bench serves loopback only")
    if bare:
        args[args.index("wsgi:app")] = BARE_APP
    return args


def start_web(run: Run, database: Database | None, mode: str, path: str) -> WebServer:
    """gunicorn with the Procfile's web settings; ``database`` None serves the bare app."""
    port = free_port()
    env = run.env(database, CLICK_TRACKING=mode if database else "off", PORT=port)
    name = f"web-{database.kind if database else 'bare'}-{mode}"
    return WebServer(name, web_argv(env, bare=database is None), env, run.workdir, port, path)


@contextlib.contextmanager
def web(run: Run, database: Database | None, mode: str, path: str):
    """A gunicorn that answers, stopped on leaving."""
    with running(start_web(run, database, mode, path)) as (server,):
        server.wait_ready()
        yield server


def burst_worker(run: Run, database: Database, worker_class: str) -> Child:
    """``rq worker --worker-class ... --url ... --burst clicks``, started now."""
    args = [os.path.join(procfile.BIN, "rq"), "worker", "--worker-class", worker_class,
            "--url", run.redis.url, "--burst", "clicks"]
    name = f"ingest-{database.kind}-{worker_class.rpartition('.')[2]}"
    return Child(name, args, run.env(database), run.workdir)


def procfile_worker_class(run: Run) -> str:
    """The ``--worker-class`` of the Procfile's worker line (RQ's default if none)."""
    args = procfile.argv("worker", run.env(None))
    return procfile.option(args, "--worker-class") or "rq.worker.Worker"


def start_worker(run: Run, database: Database, mode: str) -> Child:
    """The Procfile's worker line."""
    env = run.env(database, CLICK_TRACKING=mode)
    return Child(f"worker-{database.kind}-{mode}", procfile.argv("worker", env), env,
                 run.workdir)


def wait_worker(run: Run, child: Child) -> None:
    wait_until(lambda: Worker.count(connection=run.redis.client) > 0, 30,
               "the rq worker to register", child)


def start_scheduler(run: Run, database: Database, mode: str) -> Child:
    """The Procfile's scheduler line."""
    env = run.env(database, CLICK_TRACKING=mode)
    return Child(f"scheduler-{database.kind}-{mode}", procfile.argv("scheduler", env), env,
                 run.workdir)


def wait_scheduler(run: Run, child: Child) -> None:
    wait_until(lambda: run.redis.client.zcard(SCHEDULED) > 0, 30,
               "the scheduler to reconcile its entries", child)
