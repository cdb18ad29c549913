"""Redis clients: a timid one for the web, a patient one for workers.

The web client has short timeouts and no retries, and sits behind a circuit
breaker: a hung or dead Redis must never hold a redirect (redis-py's defaults
would wait seconds and retry). Workers and the scheduler use normal timeouts.
"""

import logging
import threading
import time
from dataclasses import dataclass

import redis
from flask import Flask, current_app
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)


class CircuitBreaker:
    """After a failure, skip Redis for ``cooldown`` seconds instead of timing out each time."""

    def __init__(self, cooldown: float):
        self.cooldown = cooldown
        self._open_until = 0.0
        self._lock = threading.Lock()

    def allows(self) -> bool:
        return time.monotonic() >= self._open_until

    def record_failure(self) -> None:
        with self._lock:
            self._open_until = time.monotonic() + self.cooldown

    def record_success(self) -> None:
        self._open_until = 0.0


@dataclass
class RedisState:
    web: redis.Redis
    worker: redis.Redis
    breaker: CircuitBreaker


def make_web_client(url: str, timeout: float) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        retry_on_error=[],
        health_check_interval=0,
    )


def make_worker_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)


def init_app(app: Flask) -> None:
    url = app.config["REDIS_URL"]
    app.extensions["redis"] = RedisState(
        web=make_web_client(url, app.config["REDIS_WEB_TIMEOUT"]),
        worker=make_worker_client(url),
        breaker=CircuitBreaker(app.config["REDIS_BREAKER_SECONDS"]),
    )


def state() -> RedisState:
    return current_app.extensions["redis"]


def web_redis() -> redis.Redis:
    return state().web


def worker_redis() -> redis.Redis:
    return state().worker
