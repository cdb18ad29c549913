"""The rollups the stats page reads, grown from a batch of stored click rows.

A batch is aggregated in Python, then each rollup table gets one upsert for the whole batch, so
ingestion costs a handful of statements whatever the batch size (on PostgreSQL a single one:
``pg_rollups``). Callers pass only the rows really inserted, which keeps every rollup idempotent
with the clicks themselves. The page's ranges (``ranges``) grow here too.
"""

import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Date, bindparam, case, text, update
from sqlalchemy.dialects import sqlite

from ..database import is_postgres, upsert
from ..extensions import db
from ..links.models import Link
from . import pg_rollups, ranges
from .models import DailyBreakdown, DailyClicks, DailyVisitor, HourlyClicks
from .rollup_sql import into_ranges, later_clicked_at

# Dimension name -> click column; humans only. Bots are broken down by name alone.
HUMAN_DIMENSIONS = {
    "referrer": "referrer_host",
    "browser": "browser",
    "os": "os",
    "device": "device",
    "country": "country",
}
BOT_DIMENSION = "bot"
UNKNOWN = "unknown"


@dataclass
class Tally:
    """Counts of one batch of click rows, keyed the way the rollup tables are."""

    humans: Counter = field(default_factory=Counter)  # link_id
    bots: Counter = field(default_factory=Counter)  # link_id
    daily_humans: Counter = field(default_factory=Counter)  # (link_id, day)
    daily_bots: Counter = field(default_factory=Counter)
    daily_visitors: Counter = field(default_factory=Counter)
    hourly_humans: Counter = field(default_factory=Counter)  # (link_id, hour)
    hourly_bots: Counter = field(default_factory=Counter)
    breakdown: Counter = field(default_factory=Counter)  # (link_id, day, dimension, value)
    newest: dict = field(default_factory=dict)  # link_id -> latest clicked_at of a human


def tally(rows: list[dict]) -> Tally:
    counts = Tally()
    for row in rows:
        _tally_row(counts, row)
    return counts


def _tally_row(counts: Tally, row: dict) -> None:
    link_id, clicked_at = row["link_id"], row["clicked_at"]
    day, hour = clicked_at.date(), clicked_at.replace(minute=0, second=0, microsecond=0)
    if row.get("is_bot"):
        counts.bots[link_id] += 1
        counts.daily_bots[link_id, day] += 1
        counts.hourly_bots[link_id, hour] += 1
        counts.breakdown[link_id, day, BOT_DIMENSION, row.get("bot_name") or UNKNOWN] += 1
        return
    counts.humans[link_id] += 1
    # "Recently clicked" means by people: a crawler's visit does not move a link up.
    counts.newest[link_id] = max(clicked_at, counts.newest.get(link_id, clicked_at))
    counts.daily_humans[link_id, day] += 1
    counts.hourly_humans[link_id, hour] += 1
    for dimension, column in HUMAN_DIMENSIONS.items():
        counts.breakdown[link_id, day, dimension, row.get(column) or UNKNOWN] += 1


def add(rows: list[dict]) -> None:
    """Grow every rollup by ``rows`` (click rows just inserted), in the current transaction."""
    counts = tally(rows)
    for (link_id, day) in _new_visitors(rows):
        counts.daily_visitors[link_id, day] += 1
    apply(counts)


# SQLite: each breakdown row into every range that starts on or before its day (pg_rollups has
# the same join for PostgreSQL), one executemany for the batch.
_ADD_TO_RANGES = text(into_ranges(
    "SELECT :link_id, range_name, :dimension, :value, :clicks FROM range_starts WHERE first_day <= :day"
)).bindparams(bindparam("day", type_=Date))


def apply(counts: Tally) -> None:
    """Add ``counts`` to every rollup table: one statement per table (one in all on PostgreSQL)."""
    daily, hourly, breakdown = _daily_rows(counts), _hourly_rows(counts), _breakdown_rows(counts)
    if breakdown:
        ranges.hold_shared_lock()  # the ranges grow below: no roll until this commits
    if is_postgres():
        pg_rollups.apply(_link_rows(counts), daily, hourly, breakdown)
        return
    _add_link_totals(counts)
    _upsert_add(DailyClicks, ["link_id", "day"], daily)
    _upsert_add(HourlyClicks, ["link_id", "hour"], hourly)
    _upsert_add(DailyBreakdown, ["link_id", "day", "dimension", "value"], breakdown)
    if breakdown:
        # After the writes above, which hold SQLite's only write lock: the starts read here
        # cannot move before this transaction commits.
        db.session.execute(_ADD_TO_RANGES, breakdown)


def _new_visitors(rows: list[dict]) -> list[tuple[int, date]]:
    """Record the humans' visitor keys; return (link, day) once per key that was new that day."""
    keys = sorted({
        (row["link_id"], row["clicked_at"].date(), row["visitor_key"])
        for row in rows if row.get("visitor_key") and not row.get("is_bot")
    })
    if not keys:
        return []
    table = DailyVisitor.__table__
    stmt = (upsert(table).on_conflict_do_nothing()
            .returning(table.c.link_id, table.c.day, table.c.visitor_key))
    values = [{"link_id": link_id, "day": day, "visitor_key": key} for link_id, day, key in keys]
    return [(row.link_id, row.day) for row in db.session.execute(stmt, values)]


def _add_link_totals(counts: Tally) -> None:
    link_ids = sorted(set(counts.humans) | set(counts.bots))
    if not link_ids:
        return
    # One statement for the whole batch, whatever the number of links.
    db.session.execute(
        update(Link.__table__)
        .where(Link.id.in_(link_ids))
        .values(click_count=_plus(Link.click_count, counts.humans),
                bot_count=_plus(Link.bot_count, counts.bots),
                last_clicked_at=_latest(counts.newest))
    )


def _plus(column, per_link: Counter):
    # case() needs at least one WHEN: a batch without bots leaves bot_count as it is.
    return column + case(dict(per_link), value=Link.id, else_=0) if per_link else column


def _latest(newest: dict):
    if not newest:  # a batch of bots only
        return Link.last_clicked_at
    return later_clicked_at(case(newest, value=Link.id))


def _link_rows(counts: Tally) -> list[dict]:
    return [{"id": link_id, "click_count": counts.humans[link_id], "bot_count": counts.bots[link_id],
             "last_clicked_at": counts.newest.get(link_id)}
            for link_id in sorted(set(counts.humans) | set(counts.bots))]


def _daily_rows(counts: Tally) -> list[dict]:
    return [
        {
            "link_id": link_id, "day": day,
            "humans": counts.daily_humans[link_id, day],
            "bots": counts.daily_bots[link_id, day],
            "visitors": counts.daily_visitors[link_id, day],
        }
        for link_id, day in sorted(set(counts.daily_humans) | set(counts.daily_bots))
    ]


def _hourly_rows(counts: Tally) -> list[dict]:
    return [
        {"link_id": link_id, "hour": hour, "humans": counts.hourly_humans[link_id, hour],
         "bots": counts.hourly_bots[link_id, hour]}
        for link_id, hour in sorted(set(counts.hourly_humans) | set(counts.hourly_bots))
    ]


def _breakdown_rows(counts: Tally) -> list[dict]:
    return [
        {"link_id": link_id, "day": day, "dimension": dimension, "value": value, "clicks": clicks}
        for (link_id, day, dimension, value), clicks in sorted(counts.breakdown.items())
    ]


def _upsert_add(model, keys: list[str], rows: list[dict]) -> None:
    """Insert ``rows``, or add their counters to the rows already there: one statement."""
    if not rows:
        return
    counters = tuple(name for name in rows[0] if name not in keys)
    db.session.execute(_upsert_statement(model.__table__, tuple(keys), counters), rows)


@functools.cache
def _upsert_statement(table, keys: tuple[str, ...], counters: tuple[str, ...]):
    # Built once per table (SQLite only: PostgreSQL goes through pg_rollups): building it, with
    # its "excluded" columns, cost more than running it. The table, not the entity, skips the
    # ORM's bulk-insert machinery, which a plain upsert does not need.
    stmt = sqlite.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + stmt.excluded[name] for name in counters},
    )
