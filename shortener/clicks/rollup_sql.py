"""What both ways of growing the rollups share: SQLite's statements (``rollups``) and
PostgreSQL's single one (``pg_rollups``) say these the same way."""

from sqlalchemy import ColumnElement, case, func, or_

from ..links.models import Link


def later_clicked_at(batch: ColumnElement) -> ColumnElement:
    """A link's ``last_clicked_at`` moved to ``batch``, the newest human click of a batch, if
    that is later; ``batch`` NULL (a link with bots only in the batch) keeps it."""
    # Portable max(): SQLite's max(NULL, x) is NULL, PostgreSQL has greatest() instead.
    current = Link.last_clicked_at
    return case((or_(current.is_(None), current < batch), func.coalesce(batch, current)),
                else_=current)


def into_ranges(select: str) -> str:
    """INSERT the breakdown rows of ``select`` (link_id, range_name, dimension, value, clicks)
    into ``range_breakdown``, adding to the rows already there."""
    return ("INSERT INTO range_breakdown (link_id, range_name, dimension, value, clicks) "
            f"{select} "
            "ON CONFLICT (link_id, range_name, dimension, value) "
            "DO UPDATE SET clicks = range_breakdown.clicks + excluded.clicks")
