"""`make admin NAME=...` as a user runs it from a fresh checkout: the README's admin command for
the site `make run` serves (development settings, its secret key and database in instance/)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, PROJECT_ROOT

VENV = str(Path(sys.executable).parent.parent)
# What a shell of the person running it may have; none of the app's settings.
CLEAN_ENV = {name: value for name, value in os.environ.items()
             if name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")}


@pytest.fixture
def checkout(tmp_path) -> Path:
    """The tracked files of this tree, as `git clone` would give them (no instance/, no .venv)."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout.split()
    root = tmp_path / "shortener"
    for name in files:
        source = Path(PROJECT_ROOT, name)
        if source.is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(source.read_bytes())
    return root


def make_admin(checkout: Path, name: str, prompts: str) -> subprocess.CompletedProcess:
    # This test run's virtualenv stands for the one `make run` made (VENV=, so nothing is installed).
    return subprocess.run(["make", "--no-print-directory", "admin", f"NAME={name}", f"VENV={VENV}"],
                          cwd=checkout, env=CLEAN_ENV, input=prompts, capture_output=True,
                          text=True, timeout=120)


def admins(checkout: Path) -> list[tuple[str, bool]]:
    with sqlite3.connect(checkout / "instance" / "shortener.db") as connection:
        return connection.execute("SELECT username, is_admin FROM users ORDER BY username").fetchall()


def test_make_admin_creates_the_first_admin_of_the_local_site(checkout):
    result = make_admin(checkout, "Root_Op", f"op@example.com\n{PASSWORD}\n{PASSWORD}\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "root_op is now an admin" in result.stdout
    assert PASSWORD not in result.stdout
    assert admins(checkout) == [("root_op", 1)]
    # The secret key `make run` uses is made and kept in instance/ (sessions survive restarts).
    key = (checkout / "instance" / "secret_key").read_text()
    again = make_admin(checkout, "root_op", "")
    assert again.returncode == 0 and "root_op is already an admin" in again.stdout
    assert (checkout / "instance" / "secret_key").read_text() == key and len(key.strip()) == 64


def test_make_admin_without_a_name_says_how():
    result = subprocess.run(["make", "--no-print-directory", "admin", f"VENV={VENV}"], cwd=PROJECT_ROOT,
                            env=CLEAN_ENV, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "make admin NAME=" in result.stderr
