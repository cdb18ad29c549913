"""Idempotent storage of click events: each event is inserted once, counted once.

Every way into the database (click job, buffer flush, spool replay, direct
write) goes through ``save_clicks``/``store_clicks``.
"""

import logging
import uuid
from collections import Counter

from sqlalchemy import case, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Click, DailyClicks, Link
from .events import to_row

log = logging.getLogger(__name__)

def _insert(table):
    dialect = db.engine.dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


def save_clicks(events: list[dict]) -> int:
    """``store_clicks`` in a transaction of its own: commit, or roll back and raise."""
    try:
        inserted = store_clicks(events)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return inserted


def store_clicks(events: list[dict]) -> int:
    """Insert the events not stored yet, and count only those. Does not commit.

    Events of links deleted meanwhile are dropped (and logged): not an error.
    Returns the number of rows really inserted.
    """
    rows = {row["id"]: row for row in map(to_row, events)}  # a batch may repeat an event
    if not rows:
        return 0
    link_ids = {row["link_id"] for row in rows.values()}
    existing = set(db.session.scalars(select(Link.id).where(Link.id.in_(link_ids))))
    missing = link_ids - existing
    if missing:
        log.info("dropping clicks of deleted links %s", sorted(missing))
    wanted = [row for row in rows.values() if row["link_id"] in existing]
    if not wanted:
        return 0
    inserted = [rows[click_id] for click_id in _insert_new(wanted)]
    _count(inserted)
    return len(inserted)


COLUMNS = ("id", "link_id", "clicked_at", "referrer", "user_agent", "ip_address")
# PostgreSQL: the batch as six arrays, so the statement is short and parsed
# once, whatever the batch size (a multi-row VALUES list is re-parsed per batch).
_UNNEST_INSERT = text(
    "INSERT INTO clicks (id, link_id, clicked_at, referrer, user_agent, ip_address) "
    "SELECT * FROM unnest(CAST(:id AS uuid[]), CAST(:link_id AS integer[]), "
    "CAST(:clicked_at AS timestamp[]), CAST(:referrer AS varchar[]), "
    "CAST(:user_agent AS varchar[]), CAST(:ip_address AS varchar[])) "
    "ON CONFLICT (id) DO NOTHING RETURNING id"
)


def _insert_new(rows: list[dict]) -> set[uuid.UUID]:
    """Insert ``rows`` into clicks, skipping ids already there; return the ids inserted."""
    if db.engine.dialect.name == "postgresql":
        arrays = {column: [row[column] for row in rows] for column in COLUMNS}
        return set(db.session.scalars(_UNNEST_INSERT, arrays))
    # The table, not the entity: the ORM's bulk insert splits a batch at every
    # change of NULL columns, halving flush speed.
    table = Click.__table__
    stmt = _insert(table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
    return set(db.session.scalars(stmt, rows))


def _count(inserted: list[dict]) -> None:
    per_link = Counter(row["link_id"] for row in inserted)
    if per_link:
        # One statement for the whole batch, whatever the number of links.
        db.session.execute(
            update(Link)
            .where(Link.id.in_(sorted(per_link)))
            .values(click_count=Link.click_count + case(dict(per_link), value=Link.id, else_=0))
        )
    per_day = Counter((row["link_id"], row["clicked_at"].date()) for row in inserted)
    if per_day:
        stmt = _insert(DailyClicks)
        stmt = stmt.on_conflict_do_update(
            index_elements=["link_id", "day"],
            set_={"clicks": DailyClicks.clicks + stmt.excluded.clicks},
        )
        rows = [
            {"link_id": link_id, "day": day, "clicks": count}
            for (link_id, day), count in sorted(per_day.items())
        ]
        db.session.execute(stmt, rows)
