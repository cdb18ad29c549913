"""A link's clicks as CSV or JSON lines, streamed: constant memory whatever the number of clicks.

Rows are read with ``yield_per`` (a server-side cursor on PostgreSQL) and written a partition at
a time. The export carries the stored, anonymized network, never a full address, and no visitor key.
"""

import json
from collections.abc import Iterator

from sqlalchemy import select

from ..extensions import db
from ..spreadsheet_cells import EXPORT_BATCH, csv_cell, csv_lines
from .models import Click

COLUMNS = {
    "clicked_at_utc": Click.clicked_at,
    "referrer": Click.referrer,
    "referrer_host": Click.referrer_host,
    "user_agent": Click.user_agent,
    "browser": Click.browser,
    "os": Click.os,
    "device": Click.device,
    "is_bot": Click.is_bot,
    "bot_name": Click.bot_name,
    "country": Click.country,
    "ip_network": Click.ip_address,
}


def clicks_csv(link_id: int, batch: int = EXPORT_BATCH) -> Iterator[str]:
    """The CSV text of the link's clicks, oldest first, one chunk per ``batch`` rows."""
    yield csv_lines([list(COLUMNS)])
    for rows in _partitions(link_id, batch):
        yield csv_lines([csv_cell(value) for value in row] for row in rows)


def clicks_jsonl(link_id: int, batch: int = EXPORT_BATCH) -> Iterator[str]:
    """The link's clicks as JSON lines (one object per click, keys as the CSV's columns), oldest
    first. Values keep their types (booleans, nulls); no spreadsheet escaping is needed."""
    for rows in _partitions(link_id, batch):
        yield "".join(json.dumps(dict(zip(COLUMNS, map(_json_value, row), strict=True))) + "\n"
                      for row in rows)


def _partitions(link_id: int, batch: int):
    result = db.session.execute(
        select(*COLUMNS.values())
        .where(Click.link_id == link_id)
        .order_by(Click.clicked_at, Click.id)
        .execution_options(yield_per=batch)
    )
    return result.partitions()


def _json_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
