"""Readiness checks: can this process reach the database and Redis right now?

Each check is one round trip with a short timeout and returns a small dict
for the JSON answer. Failures carry only the error's type: the endpoint is
public, and a message could name hosts or users; the detail goes to the log.
"""

import logging

from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..background.redis_clients import web_redis
from ..database import is_postgres
from ..extensions import db

log = logging.getLogger(__name__)


def check_database(timeout: float) -> dict:
    try:
        with db.engine.connect() as conn:
            if is_postgres(conn.engine):
                # SET takes no bind parameters; the value is an int we computed.
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout * 1000)}")
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("readiness: database check failed: %s", exc)
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def check_redis() -> dict:
    # The web's client: its timeouts are short and it never retries. The
    # circuit breaker is bypassed on purpose, to report Redis as it is now.
    try:
        web_redis().ping()
    except (RedisError, OSError) as exc:
        log.warning("readiness: Redis check failed: %s", exc)
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def readiness(database_timeout: float) -> tuple[bool, dict]:
    checks = {"database": check_database(database_timeout), "redis": check_redis()}
    return all(check["ok"] for check in checks.values()), checks
