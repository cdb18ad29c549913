"""Is Redis set up to keep what we give it? Read by the status page, the worker and the scheduler.

Queues, the click buffer and the schedule live only in Redis: an eviction
policy may drop them under memory pressure, and a Redis without AOF or RDB
loses them on restart.
"""

import logging

import redis
from redis.exceptions import RedisError, ResponseError

log = logging.getLogger(__name__)

SAFE_EVICTION_POLICY = "noeviction"


def persistence_warnings(client: redis.Redis, production: bool) -> list[str]:
    """Human-readable problems with Redis's eviction and persistence settings."""
    problems = []
    policy = _info(client, "memory").get("maxmemory_policy", SAFE_EVICTION_POLICY)
    if policy != SAFE_EVICTION_POLICY:
        problems.append(f"Redis maxmemory-policy is {policy}: under memory pressure it evicts keys "
                        f"(queued jobs, buffered clicks, the schedule); set it to {SAFE_EVICTION_POLICY}")
    if production and not _persists(client):
        problems.append("Redis has neither AOF nor RDB snapshots enabled: a restart loses queued jobs "
                        "and buffered clicks; enable appendonly (or save points)")
    return problems


def _persists(client: redis.Redis) -> bool:
    info = _info(client, "persistence")
    if not info or int(info.get("aof_enabled", 0)):
        return True  # INFO unavailable: nothing to go on, so no warning
    try:
        save = client.config_get("save").get("save", "")
    except ResponseError:
        return True  # CONFIG is disabled (managed Redis): RDB may be on; do not cry wolf
    return bool(save.strip())


def _info(client: redis.Redis, section: str) -> dict:
    try:
        return client.info(section)
    except ResponseError:  # INFO renamed or disabled (some managed Redis, fakeredis)
        return {}


def warn_about_persistence(client: redis.Redis, production: bool, who: str) -> list[str]:
    """Log each problem once, at start of ``who`` (the worker, the scheduler)."""
    try:
        problems = persistence_warnings(client, production)
    except RedisError as exc:
        # A check must never keep a worker from starting; the worker will fail on its own if Redis is down.
        log.warning("%s: could not check Redis persistence: %s", who, exc)
        return []
    for problem in problems:
        log.warning("%s: %s", who, problem)
    return problems
