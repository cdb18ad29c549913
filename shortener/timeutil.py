from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC: what every DateTime column stores, on SQLite and PostgreSQL alike."""
    return datetime.now(UTC).replace(tzinfo=None)
