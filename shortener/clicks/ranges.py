"""The link page's breakdowns per range, kept ready: top values without summing daily rows.

``DailyBreakdown`` has one row per link, day and value: a link whose clicks come from 2,000
referrer hosts has about 60,000 rows in 30 days, and summing them made the page slow at scale.
``RangeBreakdown`` keeps, per range, the sum over the range's days; the page reads the top few
values of each dimension along an index.

A range covers every day from its ``RangeStart.first_day`` on. Storing clicks adds them to every
range whose first day is on or before the click's day, in the transaction that inserts them (so
replays change nothing, as for every rollup). Once a day ``roll`` moves each first day forward
and subtracts the daily rows of the days that left; a range without a start is filled from the
daily rows. The two never interleave: storing holds a shared lock, the roll an exclusive one
(PostgreSQL advisory locks; SQLite has one writer at a time). Until the roll after midnight has
run, a range is stale, and the page sums the daily rows instead (``top_values`` tells).
"""

from datetime import date, timedelta

from sqlalchemy import delete, func, insert, literal, select, text, tuple_, union_all, update

from ..database import is_postgres
from ..extensions import db
from .models import DailyBreakdown, RangeBreakdown, RangeStart

# Range name -> days it covers, today included. "24h" covers yesterday and today: the breakdowns
# are by UTC day, and the 24 hours straddle two of them.
RANGE_DAYS = {"24h": 2, "7d": 7, "30d": 30, "90d": 90, "all": None}
ALL_TIME = date(1970, 1, 1)
# Any constant shared by every process: the advisory lock between storing and the roll.
LOCK_KEY = 0x5A4E4745
ROLL_LOCK_TIMEOUT_MS = 5000


def first_day(range_name: str, today: date) -> date:
    days = RANGE_DAYS[range_name]
    return ALL_TIME if days is None else today - timedelta(days=days - 1)


# -- storing --------------------------------------------------------------------------------------

def hold_shared_lock() -> None:
    """Keep the roll out until this transaction ends (storing clicks, rebuilding a link)."""
    if is_postgres():
        db.session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": LOCK_KEY})


def _starts() -> dict[str, date]:
    return dict(db.session.execute(select(RangeStart.range_name, RangeStart.first_day)).all())


# -- the daily roll -------------------------------------------------------------------------------

def roll(today: date, lock_timeout_ms: int = ROLL_LOCK_TIMEOUT_MS) -> dict[str, str]:
    """Move every range to start where it should ``today``; fill those never filled. Commits.

    Returns what was done per range ("kept", "filled", "moved N days"). Raises (OperationalError)
    when the lock does not come within ``lock_timeout_ms``: the next run tries again.
    """
    if _all_current(_starts(), today):
        # Only the roll moves the starts, so no lock is needed to see there is nothing to do: the
        # runs of the other 1,439 minutes of the day never make storing wait.
        db.session.commit()
        return dict.fromkeys(RANGE_DAYS, "kept")
    _lock_exclusively(lock_timeout_ms)
    starts = _starts()
    report = {}
    for range_name in RANGE_DAYS:
        wanted, current = first_day(range_name, today), starts.get(range_name)
        if current is None:
            _fill(range_name, wanted)
            db.session.add(RangeStart(range_name=range_name, first_day=wanted))
            report[range_name] = "filled"
        elif current < wanted:
            _subtract_days(range_name, current, wanted)
            db.session.execute(update(RangeStart).where(RangeStart.range_name == range_name)
                               .values(first_day=wanted))
            report[range_name] = f"moved {(wanted - current).days} days"
        else:
            report[range_name] = "kept"
    db.session.commit()
    return report


def _all_current(starts: dict[str, date], today: date) -> bool:
    return all(name in starts and starts[name] >= first_day(name, today) for name in RANGE_DAYS)


def _lock_exclusively(lock_timeout_ms: int) -> None:
    if is_postgres():
        # Bounded: while the roll waits (say, behind a long rebuild), every new batch queues
        # behind it; better to give up and try again in a minute. (SQLite: its busy timeout.)
        db.session.execute(text(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}"))
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    else:
        # A write first: SQLite then holds its write lock for the whole roll (a read first would
        # start a snapshot that a click batch committing meanwhile would make stale).
        db.session.execute(update(RangeStart).values(first_day=RangeStart.first_day))


def _daily_sums(since: date, before: date | None = None, link_id: int | None = None):
    query = (select(DailyBreakdown.link_id, DailyBreakdown.dimension, DailyBreakdown.value,
                    func.sum(DailyBreakdown.clicks).label("clicks"))
             .where(DailyBreakdown.day >= since)
             .group_by(DailyBreakdown.link_id, DailyBreakdown.dimension, DailyBreakdown.value))
    if before is not None:
        query = query.where(DailyBreakdown.day < before)
    if link_id is not None:
        query = query.where(DailyBreakdown.link_id == link_id)
    return query


def _fill(range_name: str, since: date, link_id: int | None = None) -> None:
    """Replace the range's rows (of one link, or all) by the sums of the daily rows since ``since``."""
    scope = RangeBreakdown.range_name == range_name
    if link_id is not None:
        scope &= RangeBreakdown.link_id == link_id
    db.session.execute(delete(RangeBreakdown).where(scope))
    sums = _daily_sums(since, link_id=link_id).subquery()
    db.session.execute(insert(RangeBreakdown).from_select(
        ["link_id", "range_name", "dimension", "value", "clicks"],
        select(sums.c.link_id, literal(range_name), sums.c.dimension, sums.c.value, sums.c.clicks),
    ))


def _subtract_days(range_name: str, since: date, before: date) -> None:
    """Take the daily rows of [since, before) out of the range; drop the values left at zero."""
    leaving = _daily_sums(since, before).subquery()
    key = (RangeBreakdown.link_id, RangeBreakdown.dimension, RangeBreakdown.value)
    db.session.execute(
        update(RangeBreakdown)
        .where(RangeBreakdown.range_name == range_name, RangeBreakdown.link_id == leaving.c.link_id,
               RangeBreakdown.dimension == leaving.c.dimension,
               RangeBreakdown.value == leaving.c.value)
        .values(clicks=RangeBreakdown.clicks - leaving.c.clicks)
    )
    left = select(leaving.c.link_id, leaving.c.dimension, leaving.c.value)
    db.session.execute(delete(RangeBreakdown).where(
        RangeBreakdown.range_name == range_name, RangeBreakdown.clicks <= 0, tuple_(*key).in_(left)))


# -- reading --------------------------------------------------------------------------------------

def top_values(link_id: int, range_name: str, today: date, top: int,
               dimensions: list[str]) -> dict[str, tuple[list[tuple[str, int]], int]] | None:
    """Per dimension, its ``top`` values by clicks (ties by value) and the total of all values.

    None when the range does not start where it should ``today`` (not rolled yet after
    midnight, or never filled): the caller sums the daily rows instead.
    """
    start = db.session.scalar(select(RangeStart.first_day).where(RangeStart.range_name == range_name))
    if start != first_day(range_name, today):
        return None
    mine = (RangeBreakdown.link_id == link_id, RangeBreakdown.range_name == range_name)
    totals = dict(db.session.execute(
        select(RangeBreakdown.dimension, func.sum(RangeBreakdown.clicks))
        .where(*mine).group_by(RangeBreakdown.dimension)).all())
    present = [dimension for dimension in dimensions if totals.get(dimension)]
    if not present:
        return {}
    # One round trip: a LIMITed scan of the index per dimension.
    tops = [select(RangeBreakdown.dimension, RangeBreakdown.value, RangeBreakdown.clicks)
            .where(*mine, RangeBreakdown.dimension == dimension)
            .order_by(RangeBreakdown.clicks.desc(), RangeBreakdown.value).limit(top).subquery()
            for dimension in present]
    values: dict[str, list[tuple[str, int]]] = {dimension: [] for dimension in present}
    for row in db.session.execute(union_all(*(select(*sub.c) for sub in tops))):
        values[row.dimension].append((row.value, int(row.clicks)))
    # UNION ALL keeps no order of its parts.
    return {dimension: (sorted(values[dimension], key=lambda item: (-item[1], item[0])),
                        int(totals[dimension]))
            for dimension in present}
