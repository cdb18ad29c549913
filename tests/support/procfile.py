"""The Procfile's lines, expanded the way a shell (honcho, Heroku) would: the tests and the
bench start the processes exactly as production does."""

import os
import re
import shlex
import sys

from shortener import PROJECT_ROOT

PROCFILE = os.path.join(PROJECT_ROOT, "Procfile")
BIN = os.path.dirname(sys.executable)
DEFAULT_WORKER_CLASS = "rq.worker.Worker"

_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)")


def read(path: str = PROCFILE) -> dict[str, str]:
    """Process name -> command line."""
    processes = {}
    with open(path) as handle:
        for line in handle:
            name, sep, command = line.partition(":")
            if sep and name.strip() and not name.lstrip().startswith("#"):
                processes[name.strip()] = command.strip()
    return processes


def expand(command: str, env: dict) -> str:
    """Substitute ``$VAR``, ``${VAR}`` and ``${VAR:-default}`` from ``env``."""

    def value(match: re.Match) -> str:
        found = env.get(match.group(1) or match.group(3))
        if found in (None, "") and match.group(2) is not None:
            return match.group(2)
        return found or ""

    return _VARIABLE.sub(value, command)


def argv(name: str, env: dict, path: str = PROCFILE) -> list[str]:
    """The argv of Procfile process ``name``, its program taken from this venv's bin dir."""
    args = shlex.split(expand(read(path)[name], env))
    local = os.path.join(BIN, args[0])
    if os.path.exists(local):
        args[0] = local
    return args


def option(args: list[str], flag: str) -> str | None:
    """The value of ``--flag value`` in ``args``, or None."""
    for index, arg in enumerate(args[:-1]):
        if arg == flag:
            return args[index + 1]
    return None


def worker_class(process: str = "worker") -> str:
    """The ``--worker-class`` of a Procfile worker line (RQ's default if it names none)."""
    return option(argv(process, {}), "--worker-class") or DEFAULT_WORKER_CLASS
