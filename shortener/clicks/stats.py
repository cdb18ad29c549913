"""Per-link statistics, read from the rollups the click pipeline keeps.

Nothing here counts click rows: totals come from ``Link.click_count``, days
from ``DailyClicks`` (one row per day), and the recent clicks are the newest
few read backwards along the ``(link_id, clicked_at)`` index. So a link's page
costs the same at a million clicks as at ten. The pipeline stores clicks a few
seconds after the redirect, so every number here may lag slightly behind.
"""

from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import select

from ..extensions import db
from ..models import Click, DailyClicks
from ..timeutil import utcnow

CHART_DAYS = 30
RECENT_CLICKS = 20


class DayCount(NamedTuple):
    day: date
    clicks: int


def daily_clicks(link_id: int, days: int = CHART_DAYS, today: date | None = None) -> list[DayCount]:
    """Clicks per UTC day for the ``days`` days up to ``today``, oldest first, zeros included."""
    today = today or utcnow().date()
    first = today - timedelta(days=days - 1)
    rows = db.session.execute(
        select(DailyClicks.day, DailyClicks.clicks).where(
            DailyClicks.link_id == link_id, DailyClicks.day >= first, DailyClicks.day <= today
        )
    )
    counts = {row.day: row.clicks for row in rows}
    return [DayCount(day, counts.get(day, 0)) for day in _days(first, days)]


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=offset) for offset in range(count)]


def recent_clicks(link_id: int, limit: int = RECENT_CLICKS) -> list[Click]:
    """The newest ``limit`` clicks of the link, newest first."""
    return list(
        db.session.scalars(
            select(Click)
            .where(Click.link_id == link_id)
            .order_by(Click.clicked_at.desc())
            .limit(limit)
        )
    )
