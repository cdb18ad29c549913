"""A throwaway PostgreSQL schema: the tests and the bench each work in one of their own,
so parallel runs on one database never collide and nothing else is touched."""

import contextlib
import os
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, text

from shortener.config import normalize_database_url


def schema_url(base_url: str, schema: str) -> str:
    """``base_url`` with ``schema`` as the search_path, so the app's tables land in it."""
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}"


@contextlib.contextmanager
def throwaway_schema(base_url: str, prefix: str) -> Iterator[str]:
    """A schema with a fresh random name in ``base_url``, dropped on leaving; yields its URL."""
    base = normalize_database_url(base_url)
    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            yield schema_url(base, schema)
        finally:
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    finally:
        engine.dispose()


def server_version(url: str) -> str:
    engine = create_engine(normalize_database_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()
