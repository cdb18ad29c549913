"""PostgreSQL: every rollup of a batch grown by one statement, whatever the batch's size.

A click job stores one click, so its cost is mostly per statement: five upserts and an update,
each a round trip with its own parse and plan. Here they are data-modifying CTEs of a single
statement (each table once, so none needs to see another's effect), every table's rows passed as
one array per column. The ranges join ``range_starts`` in the same statement, which runs after
the caller took the shared lock (``ranges.hold_shared_lock``): its snapshot then sees the starts
of the last roll, and no roll can commit until this transaction ends.
"""

from sqlalchemy import Table, literal_column, text
from sqlalchemy.dialects import postgresql

from ..extensions import db
from ..links.models import Link
from .models import DailyBreakdown, DailyClicks, HourlyClicks
from .rollup_sql import into_ranges, later_clicked_at

BREAKDOWN_KEYS = ["link_id", "day", "dimension", "value"]
# A row's last_clicked_at is its link's newest human click, NULL for bots only.
_LATER_CLICKED_AT = str(later_clicked_at(literal_column("l.last_clicked_at")).compile(
    dialect=postgresql.dialect()))


def apply(links: list[dict], daily: list[dict], hourly: list[dict], breakdown: list[dict]) -> None:
    """Grow links' totals and the daily, hourly, breakdown and range rollups: one statement."""
    params: dict[str, list] = {}
    ctes = [  # a table without rows in the batch has no part in the statement
        links and _link_totals(links, params),
        daily and _upsert(DailyClicks.__table__, ["link_id", "day"], daily, params, "d"),
        hourly and _upsert(HourlyClicks.__table__, ["link_id", "hour"], hourly, params, "h"),
        breakdown and _upsert(DailyBreakdown.__table__, BREAKDOWN_KEYS, breakdown, params, "b"),
        breakdown and _ranges(breakdown, params),
    ]
    ctes = [cte for cte in ctes if cte]
    if ctes:
        db.session.execute(text(f"WITH {', '.join(ctes)} SELECT 1"), params)


def _arrays(table: Table, columns: list[str], rows: list[dict], params: dict, prefix: str) -> str:
    """Bind one array per column of ``rows``; return the unnest() over them, named ``prefix``."""
    dialect = db.engine.dialect
    casts = []
    for name in columns:
        params[f"{prefix}_{name}"] = [row[name] for row in rows]
        casts.append(f"CAST(:{prefix}_{name} AS {table.c[name].type.compile(dialect=dialect)}[])")
    return f"unnest({', '.join(casts)}) AS {prefix}({', '.join(columns)})"


def _upsert(table: Table, keys: list[str], rows: list[dict], params: dict, prefix: str) -> str:
    columns = list(rows[0])
    counters = [name for name in columns if name not in keys]
    updates = ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in counters)
    return (f"{prefix}_upsert AS (INSERT INTO {table.name} ({', '.join(columns)}) "
            f"SELECT * FROM {_arrays(table, columns, rows, params, prefix)} "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates})")


def _link_totals(rows: list[dict], params: dict) -> str:
    arrays = _arrays(Link.__table__, ["id", "click_count", "bot_count", "last_clicked_at"], rows,
                     params, "l")
    return (f"l_update AS (UPDATE links SET click_count = links.click_count + l.click_count, "
            f"bot_count = links.bot_count + l.bot_count, last_clicked_at = {_LATER_CLICKED_AT} "
            f"FROM {arrays} WHERE links.id = l.id)")


def _ranges(breakdown: list[dict], params: dict) -> str:
    """Each breakdown row into every range that starts on or before its day."""
    arrays = _arrays(DailyBreakdown.__table__, [*BREAKDOWN_KEYS, "clicks"], breakdown, params, "b")
    return "r_upsert AS ({})".format(into_ranges(
        "SELECT b.link_id, s.range_name, b.dimension, b.value, sum(b.clicks) "
        f"FROM {arrays} "
        "JOIN range_starts AS s ON b.day >= s.first_day "
        "GROUP BY b.link_id, s.range_name, b.dimension, b.value "
        "ORDER BY b.link_id, s.range_name, b.dimension, b.value"))
