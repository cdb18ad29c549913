"""PostgreSQL: every rollup of a batch grown by one statement, whatever the batch's size.

A click job stores one click, so its cost is mostly per statement: five upserts and an update,
each a round trip with its own parse and plan. Here they are data-modifying CTEs of a single
statement (each table once, so none needs to see another's effect), every table's rows passed as
one array per column. The ranges join ``range_starts`` in the same statement, which runs after
the caller took the shared lock (``ranges.hold_shared_lock``): its snapshot then sees the starts
of the last roll, and no roll can commit until this transaction ends.
"""

from sqlalchemy import Table, text

from ..extensions import db
from ..links.models import Link
from .models import DailyBreakdown, DailyClicks, HourlyClicks, RangeBreakdown

BREAKDOWN_KEYS = ["link_id", "day", "dimension", "value"]


def apply(links: list[dict], daily: list[dict], hourly: list[dict], breakdown: list[dict]) -> None:
    """Grow links' totals and the daily, hourly, breakdown and range rollups: one statement."""
    params: dict[str, list] = {}
    ctes = [
        _link_totals(links, params),
        _upsert(DailyClicks.__table__, ["link_id", "day"], daily, params, "d"),
        _upsert(HourlyClicks.__table__, ["link_id", "hour"], hourly, params, "h"),
        _upsert(DailyBreakdown.__table__, BREAKDOWN_KEYS, breakdown, params, "b"),
        _ranges(breakdown, params),
    ]
    ctes = [cte for cte in ctes if cte]
    if ctes:
        db.session.execute(text(f"WITH {', '.join(ctes)} SELECT 1"), params)


def _arrays(table: Table, columns: list[str], rows: list[dict], params: dict, prefix: str) -> str:
    """Bind one array per column of ``rows``; return the unnest() over them."""
    dialect = db.engine.dialect
    casts = []
    for name in columns:
        params[f"{prefix}_{name}"] = [row[name] for row in rows]
        casts.append(f"CAST(:{prefix}_{name} AS {table.c[name].type.compile(dialect=dialect)}[])")
    return f"unnest({', '.join(casts)})"


def _upsert(table: Table, keys: list[str], rows: list[dict], params: dict, prefix: str) -> str:
    if not rows:
        return ""
    columns = list(rows[0])
    counters = [name for name in columns if name not in keys]
    updates = ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in counters)
    return (f"{prefix}_upsert AS (INSERT INTO {table.name} ({', '.join(columns)}) "
            f"SELECT * FROM {_arrays(table, columns, rows, params, prefix)} "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates})")


def _link_totals(rows: list[dict], params: dict) -> str:
    if not rows:
        return ""
    columns = ["id", "click_count", "bot_count", "last_clicked_at"]
    arrays = _arrays(Link.__table__, columns, rows, params, "l")
    # last_clicked_at is the newest human click: NULL in a row means bots only, keep it.
    return (f"l_update AS (UPDATE links SET click_count = links.click_count + t.click_count, "
            f"bot_count = links.bot_count + t.bot_count, "
            f"last_clicked_at = CASE WHEN links.last_clicked_at IS NULL "
            f"OR links.last_clicked_at < t.last_clicked_at THEN coalesce(t.last_clicked_at, "
            f"links.last_clicked_at) ELSE links.last_clicked_at END "
            f"FROM {arrays} AS t({', '.join(columns)}) WHERE links.id = t.id)")


def _ranges(breakdown: list[dict], params: dict) -> str:
    """Each breakdown row into every range that starts on or before its day."""
    if not breakdown:
        return ""
    table = RangeBreakdown.__table__
    columns = [*BREAKDOWN_KEYS, "clicks"]
    arrays = _arrays(DailyBreakdown.__table__, columns, breakdown, params, "b")
    return ("r_upsert AS (INSERT INTO range_breakdown (link_id, range_name, dimension, value, clicks) "
            "SELECT b.link_id, s.range_name, b.dimension, b.value, sum(b.clicks) "
            f"FROM {arrays} AS b({', '.join(columns)}) "
            "JOIN range_starts AS s ON b.day >= s.first_day "
            "GROUP BY b.link_id, s.range_name, b.dimension, b.value "
            "ORDER BY b.link_id, s.range_name, b.dimension, b.value "
            f"ON CONFLICT (link_id, range_name, dimension, value) DO UPDATE SET "
            f"clicks = {table.name}.clicks + excluded.clicks)")
