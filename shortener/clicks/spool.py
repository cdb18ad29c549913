"""The local click spool: the last resort when Redis and the database both fail.

Events are appended as JSON lines to ``clicks.jsonl`` in the spool folder.
A replay renames the file first (new clicks start a fresh one), then stores
its events in batches; the click UUIDs make a repeated replay harmless. A
writer locks the file and checks it was not renamed under it before writing,
so no line lands in a file that is already being replayed.
"""

import fcntl
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator

log = logging.getLogger(__name__)

ACTIVE = "clicks.jsonl"
REPLAYING_SUFFIX = ".replaying"


def append(folder: str, event: dict) -> None:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, ACTIVE)
    line = (json.dumps(event, separators=(",", ":")) + "\n").encode()
    while True:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if _same_file(fd, path):
                os.write(fd, line)
                os.fsync(fd)
                return
        finally:
            os.close(fd)


def _same_file(fd: int, path: str) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _claim(folder: str) -> list[str]:
    """Rename the active file aside and return every file awaiting replay."""
    active = os.path.join(folder, ACTIVE)
    if os.path.exists(active):
        claimed = os.path.join(folder, f"clicks-{uuid.uuid4().hex}.jsonl{REPLAYING_SUFFIX}")
        os.rename(active, claimed)
        # Wait for a writer that locked the file before the rename to finish.
        fd = os.open(claimed, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        finally:
            os.close(fd)
    return sorted(
        os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(REPLAYING_SUFFIX)
    )


def _read(path: str) -> Iterator[dict]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                # A torn last line (crash mid-write) is the only way to get here.
                log.error("skipping unreadable line %d of %s", number, path)


def replay(folder: str, store_batch: Callable[[list[dict]], int], batch_size: int = 1000) -> int:
    """Hand every spooled event to ``store_batch`` (which commits); return how many it stored.

    A file is deleted only after all its batches were stored; if storing
    fails, it stays and the next replay starts it again.
    """
    if not os.path.isdir(folder):
        return 0
    lock = os.open(os.path.join(folder, "replay.lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock)
        return 0  # another replay is running; it will take these events
    try:
        return _replay_claimed(folder, store_batch, batch_size)
    finally:
        os.close(lock)


def _replay_claimed(folder: str, store_batch, batch_size: int) -> int:
    stored = 0
    for path in _claim(folder):
        batch: list[dict] = []
        for event in _read(path):
            batch.append(event)
            if len(batch) >= batch_size:
                stored += store_batch(batch)
                batch = []
        if batch:
            stored += store_batch(batch)
        os.remove(path)
    return stored


def pending(folder: str) -> int:
    """Number of spooled events not replayed yet."""
    if not os.path.isdir(folder):
        return 0
    total = 0
    for name in os.listdir(folder):
        if name == ACTIVE or name.endswith(REPLAYING_SUFFIX):
            try:
                with open(os.path.join(folder, name), "rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            except FileNotFoundError:
                continue  # renamed or finished by a replay meanwhile
    return total
