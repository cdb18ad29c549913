"""Per-link statistics, read from the rollups the click pipeline keeps.

Nothing here counts click rows: totals come from ``Link.click_count``, days
from ``DailyClicks`` (one row per day), and the recent clicks are the newest
few read backwards along the ``(link_id, clicked_at)`` index. So a link's page
costs the same at a million clicks as at ten. The pipeline stores clicks a few
seconds after the redirect, so every number here may lag slightly behind.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import case, func, select

from ..extensions import db
from ..links.models import Link
from ..timeutil import utcnow
from . import ranges
from .models import Click, DailyBreakdown, DailyClicks, HourlyClicks
from .rollups import BOT_DIMENSION, HUMAN_DIMENSIONS

RECENT_CLICKS = 20
SPARK_DAYS = 7


def sparklines(link_ids: list[int], days: int = SPARK_DAYS,
               today: date | None = None) -> dict[int, list[int]]:
    """Human clicks per UTC day of each link, oldest first, zeros included: one query for all."""
    today = today or utcnow().date()
    first = today - timedelta(days=days - 1)
    series = {link_id: [0] * days for link_id in link_ids}
    if not link_ids:
        return series
    rows = db.session.execute(
        select(DailyClicks.link_id, DailyClicks.day, DailyClicks.humans).where(
            DailyClicks.link_id.in_(link_ids), DailyClicks.day >= first, DailyClicks.day <= today
        )
    )
    for row in rows:
        series[row.link_id][(row.day - first).days] = row.humans
    return series


class OwnerTotals(NamedTuple):
    today: int
    last_7_days: int


def owner_totals(owner_id: int, today: date | None = None) -> OwnerTotals:
    """Human clicks on all the owner's links today and in the last 7 UTC days (today included)."""
    today = today or utcnow().date()
    first = today - timedelta(days=SPARK_DAYS - 1)
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((DailyClicks.day == today, DailyClicks.humans), else_=0)), 0),
            func.coalesce(func.sum(DailyClicks.humans), 0),
        )
        .join(Link, Link.id == DailyClicks.link_id)
        .where(Link.owner_id == owner_id, DailyClicks.day >= first, DailyClicks.day <= today)
    ).one()
    return OwnerTotals(int(row[0]), int(row[1]))


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


# -- a range of the link page -----------------------------------------------------------------------

RANGES = {"24h": "last 24 hours", "7d": "last 7 days", "30d": "last 30 days", "90d": "last 90 days",
          "all": "all time"}
DEFAULT_RANGE = "30d"
TOP_VALUES = 8
OTHER = "other"


class Point(NamedTuple):
    """One bar of the chart: an hour, a day, a week (from its Monday) or a month."""

    start: date | datetime
    label: str
    humans: int
    bots: int


class Share(NamedTuple):
    value: str
    clicks: int
    percent: float


class Totals(NamedTuple):
    humans: int
    bots: int
    visitors: int  # daily unique visitors, summed over the days of the range


@dataclass(frozen=True)
class LinkStats:
    range_name: str
    points: list[Point]  # oldest first, every bucket of the range, zeros included
    totals: Totals
    breakdowns: dict[str, list[Share]]  # dimension -> top values, the tail folded into "other"
    bots: list[Share]
    bucket: str = "day"  # what one point covers: "hour", "day", "week" or "month"


def parse_range(value: object) -> str:
    """The range asked for, or the default for anything else (never an error)."""
    return value if isinstance(value, str) and value in RANGES else DEFAULT_RANGE


def link_stats(link_id: int, range_name: str, now: datetime | None = None) -> LinkStats:
    now = now or utcnow()
    range_name = parse_range(range_name)
    bucket, points = _series(link_id, range_name, now)
    first_day = ranges.first_day(range_name, now.date())
    shares = breakdowns(link_id, range_name, now.date())
    return LinkStats(
        range_name=range_name,
        points=points,
        totals=Totals(sum(p.humans for p in points), sum(p.bots for p in points),
                      _visitors(link_id, first_day)),
        breakdowns={dimension: shares.get(dimension, []) for dimension in HUMAN_DIMENSIONS},
        bots=shares.get(BOT_DIMENSION, []),
        bucket=bucket,
    )


def _series(link_id: int, range_name: str, now: datetime) -> tuple[str, list[Point]]:
    if range_name == "24h":
        return "hour", _hourly(link_id, now)
    if range_name == "all":
        return _all_time(link_id, now.date())
    return "day", _daily(link_id, int(range_name[:-1]), now.date())


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _hourly(link_id: int, now: datetime) -> list[Point]:
    first = _hour(now) - timedelta(hours=23)
    rows = db.session.execute(
        select(HourlyClicks.hour, HourlyClicks.humans, HourlyClicks.bots)
        .where(HourlyClicks.link_id == link_id, HourlyClicks.hour >= first)
    )
    counts = {row.hour: (row.humans, row.bots) for row in rows}
    hours = [first + timedelta(hours=offset) for offset in range(24)]
    return [Point(hour, hour.strftime("%H:00"), *counts.get(hour, (0, 0))) for hour in hours]


def _daily(link_id: int, days: int, today: date) -> list[Point]:
    first = today - timedelta(days=days - 1)
    rows = db.session.execute(
        select(DailyClicks.day, DailyClicks.humans, DailyClicks.bots)
        .where(DailyClicks.link_id == link_id, DailyClicks.day >= first, DailyClicks.day <= today)
    )
    counts = {row.day: (row.humans, row.bots) for row in rows}
    return [Point(day, day.strftime("%b %d"), *counts.get(day, (0, 0))) for day in _days(first, days)]


# All time spans at least this many days (a new link: a month of days, not one full-width bar);
# past the next limits, its points are weeks, then months, so a chart has at most ~120 bars.
ALL_TIME_MIN_DAYS = 30
ALL_TIME_DAILY_MAX = 120
ALL_TIME_WEEKLY_MAX = 2 * 366


def _all_time(link_id: int, today: date) -> tuple[str, list[Point]]:
    # One row per day of the link's life, folded here into the buckets: portable across databases.
    rows = db.session.execute(
        select(DailyClicks.day, DailyClicks.humans, DailyClicks.bots).where(DailyClicks.link_id == link_id)
    )
    days = {row.day: (row.humans, row.bots) for row in rows}
    span = (today - min(days, default=today)).days + 1
    if span <= ALL_TIME_DAILY_MAX:
        count = max(span, ALL_TIME_MIN_DAYS)
        return "day", [Point(day, day.strftime("%b %d"), *days.get(day, (0, 0)))
                       for day in _days(today - timedelta(days=count - 1), count)]
    if span <= ALL_TIME_WEEKLY_MAX:
        return "week", _folded(days, lambda day: day - timedelta(days=day.weekday()), "%b %d",
                               _weeks(min(days), today))
    return "month", _folded(days, lambda day: day.replace(day=1), "%b %Y",
                            _months(min(days).replace(day=1), today.replace(day=1)))


def _folded(days: dict[date, tuple[int, int]], start_of, label: str, starts: list[date]) -> list[Point]:
    sums: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for day, (humans, bots) in days.items():
        bucket = sums[start_of(day)]
        bucket[0] += humans
        bucket[1] += bots
    return [Point(start, start.strftime(label), *sums.get(start, (0, 0))) for start in starts]


def _weeks(first: date, today: date) -> list[date]:
    monday = first - timedelta(days=first.weekday())
    return [monday + timedelta(weeks=offset) for offset in range((today - monday).days // 7 + 1)]


def _months(first: date, last: date) -> list[date]:
    months = []
    while first <= last:
        months.append(first)
        first = (first + timedelta(days=32)).replace(day=1)
    return months


def _visitors(link_id: int, first_day: date) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(DailyClicks.visitors), 0))
                                 .where(DailyClicks.link_id == link_id, DailyClicks.day >= first_day)))


def breakdowns(link_id: int, range_name: str, today: date,
               top: int = TOP_VALUES) -> dict[str, list[Share]]:
    """Per dimension, the ``top`` values by clicks in the range, the rest as "other".

    Read from the ranges kept ready (a few index rows), or summed from the daily rows while a
    range is not (just after midnight, before the roll has run).
    """
    dimensions = [*HUMAN_DIMENSIONS, BOT_DIMENSION]
    # One more than shown: whether there are more than ``top`` values decides the "other" fold.
    ready = ranges.top_values(link_id, range_name, today, top + 1, dimensions)
    if ready is None:
        return _summed_breakdowns(link_id, ranges.first_day(range_name, today), top)
    return {dimension: ranked(values, top, total) for dimension, (values, total) in ready.items()}


def _summed_breakdowns(link_id: int, first_day: date, top: int) -> dict[str, list[Share]]:
    total = func.sum(DailyBreakdown.clicks)
    query = (select(DailyBreakdown.dimension, DailyBreakdown.value, total.label("clicks"))
             .where(DailyBreakdown.link_id == link_id, DailyBreakdown.day >= first_day)
             .group_by(DailyBreakdown.dimension, DailyBreakdown.value))
    per_dimension: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for row in db.session.execute(query):
        per_dimension[row.dimension].append((row.value, int(row.clicks)))
    return {dimension: ranked(values, top) for dimension, values in per_dimension.items()}


def ranked(values: list[tuple[str, int]], top: int = TOP_VALUES, total: int | None = None) -> list[Share]:
    """The ``top`` values as shares of ``total`` (by default, of all ``values``): past ``top``
    values, the last place goes to "other", the clicks of every value not shown."""
    total = sum(clicks for _, clicks in values) if total is None else total
    values = sorted(values, key=lambda item: (-item[1], item[0]))
    if len(values) > top:
        values = values[:top - 1]
        values.append((OTHER, total - sum(clicks for _, clicks in values)))
    return [Share(value, clicks, round(100 * clicks / (total or 1), 1)) for value, clicks in values]
