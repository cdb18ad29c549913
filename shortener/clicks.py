"""Click events and their idempotent storage.

A click event is plain data (a dict of strings) built at redirect time; its
UUID is the idempotency key of the whole pipeline: storing the same event
twice, in any mode, inserts one row and counts once.
"""

import logging
import uuid
from collections import Counter
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db
from .models import Click, DailyClicks, Link

log = logging.getLogger(__name__)

REFERRER_MAX = 1024
USER_AGENT_MAX = 512


def new_event(link_id: int, clicked_at: datetime, referrer, user_agent, ip_address) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "link_id": link_id,
        "clicked_at": clicked_at.isoformat(),
        "referrer": (referrer or "")[:REFERRER_MAX] or None,
        "user_agent": (user_agent or "")[:USER_AGENT_MAX] or None,
        "ip_address": ip_address,
    }


def _row(event: dict) -> dict:
    return {
        "id": uuid.UUID(event["id"]),
        "link_id": int(event["link_id"]),
        "clicked_at": datetime.fromisoformat(event["clicked_at"]),
        "referrer": event.get("referrer"),
        "user_agent": event.get("user_agent"),
        "ip_address": event.get("ip_address"),
    }


def _insert(table):
    dialect = db.engine.dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


def store_clicks(events: list[dict]) -> int:
    """Insert the events not stored yet, and count only those. Does not commit.

    Events of links deleted meanwhile are dropped (and logged): not an error.
    Returns the number of rows really inserted.
    """
    rows = {row["id"]: row for row in map(_row, events)}  # a batch may repeat an event
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
    # The table, not the entity: one plain executemany. The ORM's bulk insert
    # splits a batch at every change of NULL columns, halving flush speed.
    table = Click.__table__
    stmt = _insert(table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
    inserted_ids = set(db.session.scalars(stmt, wanted))
    inserted = [rows[click_id] for click_id in inserted_ids]
    _count(inserted)
    return len(inserted)


def _count(inserted: list[dict]) -> None:
    per_link = Counter(row["link_id"] for row in inserted)
    # A fixed lock order keeps concurrent flushes on PostgreSQL from deadlocking.
    for link_id, clicks in sorted(per_link.items()):
        db.session.execute(
            update(Link).where(Link.id == link_id).values(click_count=Link.click_count + clicks)
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
