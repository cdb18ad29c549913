"""Idempotent storage of click events: each event is inserted once, counted once.

Every way into the database (click job, buffer flush, spool replay, direct
write) goes through ``save_clicks``/``store_clicks``.
"""

import logging
import uuid

from sqlalchemy import select, text

from ..database import is_postgres, upsert
from ..extensions import db
from ..links.models import Link
from . import rollups
from .enrichment import app_enricher
from .events import to_row
from .models import Click

log = logging.getLogger(__name__)


def save_clicks(events: list[dict]) -> int:
    """``store_clicks`` in a transaction of its own: commit, or roll back and raise."""
    return len(save_new_clicks(events))


def save_new_clicks(events: list[dict]) -> set[str]:
    """As ``save_clicks``, but the ids of the events really inserted (a batch of click jobs
    gives each job its own result)."""
    try:
        inserted = store_new_clicks(events)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return inserted


def store_clicks(events: list[dict]) -> int:
    """Insert the events not stored yet, enriched, and count only those. Does not commit.

    Events of links deleted meanwhile are dropped (and logged): not an error.
    Returns the number of rows really inserted.
    """
    return len(store_new_clicks(events))


def store_new_clicks(events: list[dict]) -> set[str]:
    """As ``store_clicks``, but the ids (as in the events) of the rows really inserted."""
    rows = {row["id"]: row for row in map(to_row, events)}  # a batch may repeat an event
    if not rows:
        return set()
    link_ids = {row["link_id"] for row in rows.values()}
    existing = set(db.session.scalars(select(Link.id).where(Link.id.in_(link_ids))))
    missing = link_ids - existing
    if missing:
        log.info("dropping clicks of deleted links %s", sorted(missing))
    wanted = [row for row in rows.values() if row["link_id"] in existing]
    if not wanted:
        return set()
    enricher = app_enricher()
    for row in wanted:
        row.update(enricher.enrich(row))
    inserted_ids = _insert_new(wanted)
    rollups.add([rows[click_id] for click_id in inserted_ids])
    return {str(click_id) for click_id in inserted_ids}


COLUMNS = {
    "id": "uuid", "link_id": "integer", "clicked_at": "timestamp", "referrer": "varchar",
    "user_agent": "varchar", "ip_address": "varchar", "is_bot": "boolean", "bot_name": "varchar",
    "browser": "varchar", "os": "varchar", "device": "varchar", "referrer_host": "varchar",
    "country": "varchar", "visitor_key": "varchar", "source": "varchar",
}
# PostgreSQL: the batch as one array per column, so the statement is short and parsed
# once, whatever the batch size (a multi-row VALUES list is re-parsed per batch).
_UNNEST_INSERT = text(
    f"INSERT INTO clicks ({', '.join(COLUMNS)}) "
    "SELECT * FROM unnest("
    + ", ".join(f"CAST(:{column} AS {kind}[])" for column, kind in COLUMNS.items())
    + ") ON CONFLICT (id) DO NOTHING RETURNING id"
)


def _insert_new(rows: list[dict]) -> set[uuid.UUID]:
    """Insert ``rows`` into clicks, skipping ids already there; return the ids inserted."""
    if is_postgres():
        arrays = {column: [row[column] for row in rows] for column in COLUMNS}
        return set(db.session.scalars(_UNNEST_INSERT, arrays))
    # The table, not the entity: the ORM's bulk insert splits a batch at every
    # change of NULL columns, halving flush speed.
    table = Click.__table__
    stmt = upsert(table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
    return set(db.session.scalars(stmt, rows))
