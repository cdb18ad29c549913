"""The Redis click buffer of the high-traffic mode: a reliable queue of events.

The redirect pushes JSON events onto ``BUFFER`` in one round trip. A flush
moves a batch atomically onto its own processing list (registered with a
timestamp in ``PROCESSING``), stores it, and deletes the list only after the
commit. A flush that dies leaves its list behind; ``requeue_stale`` puts it
back on the buffer. Click UUIDs make the second insert of an event harmless.
"""

import json
import time
import uuid

import redis

BUFFER = "shortener:clicks:buffer"
PROCESSING = "shortener:clicks:processing"  # zset: processing list key -> moved-at
PROCESSING_PREFIX = "shortener:clicks:processing:"
FLUSH_PENDING = "shortener:clicks:flush-pending"

# Push only below the cap, so a stalled flush cannot grow Redis without bound;
# at a batch's worth, claim the one flush slot, all in the redirect's single round trip.
_PUSH = """
local length = redis.call('LLEN', KEYS[1])
if length >= tonumber(ARGV[2]) then return {-1, 0} end
length = redis.call('LPUSH', KEYS[1], ARGV[1])
local claimed = 0
if length >= tonumber(ARGV[3]) and redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[4]) then
    claimed = 1
end
return {length, claimed}
"""
FLUSH_SLOT_TTL = 60

# Move up to ARGV[1] of the oldest events (the list's tail) onto KEYS[2].
_CLAIM = """
local events = redis.call('LRANGE', KEYS[1], -tonumber(ARGV[1]), -1)
if #events == 0 then return events end
redis.call('LTRIM', KEYS[1], 0, -#events - 1)
redis.call('RPUSH', KEYS[2], unpack(events))
redis.call('ZADD', KEYS[3], ARGV[2], KEYS[2])
return events
"""

# Give a processing list's events back to the buffer (oldest end) and forget it.
_REQUEUE = """
local events = redis.call('LRANGE', KEYS[1], 0, -1)
if #events > 0 then redis.call('RPUSH', KEYS[2], unpack(events)) end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], KEYS[1])
return #events
"""


def encode(event: dict) -> str:
    return json.dumps(event, separators=(",", ":"))


def push(client: redis.Redis, event: dict, cap: int, batch_size: int) -> tuple[bool, bool]:
    """Push one event, in one round trip: (pushed, flush_claimed).

    Not pushed when the buffer holds ``cap`` events. ``flush_claimed`` is true
    for the one caller that should enqueue a flush, once the buffer holds a
    batch; the slot frees when a flush starts (or after FLUSH_SLOT_TTL).
    """
    script = client.register_script(_PUSH)  # EVALSHA: the script text is sent once
    length, claimed = script(keys=[BUFFER, FLUSH_PENDING],
                             args=[encode(event), cap, batch_size, FLUSH_SLOT_TTL])
    return length >= 0, bool(claimed)


def release_flush_slot(client: redis.Redis) -> None:
    client.delete(FLUSH_PENDING)


def claim_batch(client: redis.Redis, size: int) -> tuple[str, list[dict]]:
    """Atomically move up to ``size`` events onto a new processing list."""
    key = PROCESSING_PREFIX + uuid.uuid4().hex
    raw = client.eval(_CLAIM, 3, BUFFER, key, PROCESSING, size, time.time())
    # LRANGE of the tail gives oldest last; keep arrival order for readability.
    return key, [json.loads(item) for item in reversed(raw)]


def ack(client: redis.Redis, key: str) -> None:
    """The batch on ``key`` is committed: forget it."""
    pipe = client.pipeline(transaction=True)
    pipe.delete(key)
    pipe.zrem(PROCESSING, key)
    pipe.execute()


def requeue(client: redis.Redis, key: str) -> int:
    """Give the events of processing list ``key`` back to the buffer."""
    return client.eval(_REQUEUE, 3, key, BUFFER, PROCESSING)


def requeue_stale(client: redis.Redis, older_than: float) -> int:
    """Return processing lists older than ``older_than`` seconds to the buffer."""
    cutoff = time.time() - older_than
    moved = 0
    for key in client.zrangebyscore(PROCESSING, "-inf", cutoff):
        moved += requeue(client, key)
    return moved


def pending(client: redis.Redis) -> int:
    """Events waiting in the buffer or in a processing list."""
    pipe = client.pipeline(transaction=False)
    pipe.llen(BUFFER)
    pipe.zrange(PROCESSING, 0, -1)
    length, keys = pipe.execute()
    return length + sum(client.llen(key) for key in keys)
