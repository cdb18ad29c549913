"""Unique visitors without storing who they are.

The redirect hashes (full address, user agent, link) with the salt of the UTC day
(``visitor_key``) and puts only the hash in the click event. Salts are 32 random bytes
per day, shared by every web process through Redis (SET NX, so the first process to ask wins) and
expiring after two days: once a salt is gone, nobody can tell whose hash is whose.

If Redis cannot give a salt, the click goes without a visitor key: it still counts as a click, just
not as a visitor. A database fallback was not worth it: a process with a different salt than the
others would count each of its visitors twice, and the redirect would pay a query.
"""

import hashlib
import secrets
import threading
from datetime import date, datetime

from flask import Flask, current_app
from redis.exceptions import RedisError

from ..background.redis_clients import state as redis_state
from .outage_log import warn

SALT_BYTES = 32
SALT_TTL_SECONDS = 2 * 24 * 3600  # today's salt must outlive clicks still on their way tonight
SALT_KEY_PREFIX = "visitor-salt:"


class SaltCache:
    """The salt of the current UTC day, as this process last got it from Redis."""

    def __init__(self) -> None:
        self.current: tuple[date, bytes] | None = None  # one attribute: never a torn day/salt pair
        self.lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions["visitor_salts"] = SaltCache()


def key_for_click(link_id: int, ip: str | None, user_agent: str | None, now: datetime) -> str | None:
    """The visitor key of this click, or None when no salt can be had right now."""
    salt = salt_of(now.date())
    return visitor_key(salt, ip, user_agent, link_id) if salt else None


def salt_of(day: date) -> bytes | None:
    cache: SaltCache = current_app.extensions["visitor_salts"]
    current = cache.current
    if current is not None and current[0] == day:
        return current[1]
    with cache.lock:  # one Redis round trip per process per day, not one per thread
        current = cache.current
        if current is not None and current[0] == day:
            return current[1]
        salt = _shared_salt(day)
        if salt is not None:
            cache.current = (day, salt)  # yesterday's salt is forgotten here
        return salt


def salt_key(day: date) -> str:
    return f"{SALT_KEY_PREFIX}{day.isoformat()}"


def _shared_salt(day: date) -> bytes | None:
    state = redis_state()
    if not state.breaker.allows():
        return None
    key = salt_key(day)
    try:
        pipe = state.web.pipeline(transaction=False)
        pipe.set(key, secrets.token_bytes(SALT_BYTES), nx=True, ex=SALT_TTL_SECONDS)
        pipe.get(key)
        _, salt = pipe.execute()
    except RedisError as exc:
        state.breaker.record_failure()
        warn("visitor-salt", "Redis unavailable (%s): clicks go without a visitor key", exc)
        return None
    return salt or None


def visitor_key(salt: bytes, ip: str | None, user_agent: str | None, link_id: int) -> str:
    """A keyed hash that tells visitors of one link apart without storing who they are.

    Each field is length-prefixed, so ("1.2.3.4", "ab") and ("1.2.3.4a", "b") can never collide.
    A missing ip or agent hashes like an empty one. The salt is BLAKE2b's key: at most 64 bytes.
    """
    digest = hashlib.blake2b(key=salt, digest_size=16)
    for field in (ip or "", user_agent or "", str(link_id)):
        # surrogatepass: an agent decoded with surrogateescape still hashes, and distinctly
        encoded = str(field).encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()
