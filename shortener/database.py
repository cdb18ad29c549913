"""Engine tuning and statements that depend on the database in use."""

from flask import Flask
from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from .extensions import db


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)


def _tune_sqlite(dbapi_connection, _record) -> None:
    # WAL lets the web read while a worker writes; the busy timeout makes
    # concurrent writers wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_postgres(engine: Engine | None = None) -> bool:
    return (engine or db.engine).dialect.name == "postgresql"


def upsert(table: Table):
    """An INSERT into ``table`` with the dialect's ON CONFLICT clauses (on_conflict_do_nothing,
    on_conflict_do_update): the two databases in use spell them alike."""
    return (postgresql if is_postgres() else sqlite).insert(table)
