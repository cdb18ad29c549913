"""``make admin NAME=...``: ``flask users create-admin NAME`` for the site ``make run`` serves.

Run bare from a checkout, the command has none of the settings the devserver gives its
processes (``APP_ENV=development``, the secret key kept in instance/), so the app refuses to
start. This runs it with the same environment, after the same migrations (a no-op once
``make run`` has applied them), so it works before the first ``make run`` too.
"""

import os
import subprocess
import sys

from .. import PROJECT_ROOT
from .devserver import BIN, INSTANCE, environment

USAGE = "usage: make admin NAME=username  (creates the account, or promotes it)"


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0]:
        print(USAGE, file=sys.stderr)
        return 2
    os.makedirs(INSTANCE, exist_ok=True)
    # Redis is not used by the command; the URL is the one `make run` gives its processes.
    redis_port = os.environ.get("EMBEDDED_REDIS_PORT", "6390")
    env = environment(os.environ.get("REDIS_URL") or f"redis://127.0.0.1:{redis_port}/0",
                      int(os.environ.get("PORT", "5000")))
    flask = [os.path.join(BIN, "flask"), "--app", "wsgi"]
    migrated = subprocess.run([*flask, "db", "upgrade"], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True)
    if migrated.returncode:
        print(migrated.stdout + migrated.stderr, file=sys.stderr)
        return migrated.returncode
    return subprocess.run([*flask, "users", "create-admin", argv[0]], cwd=PROJECT_ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
