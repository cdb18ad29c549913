"""shortener/clicks/ranges.py: the breakdowns per range, kept equal to the summed daily rows."""

import threading
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from jobs.clicks import roll_breakdown_ranges
from shortener.clicks import ranges, stats
from shortener.clicks.events import new_event
from shortener.clicks.models import RangeBreakdown
from shortener.extensions import db
from shortener.timeutil import utcnow
from tests.helpers import DESKTOP_CHROME, IPHONE, SLACKBOT, add_link, roll_ranges, store_events

TODAY = utcnow().date()
DAYS_AGO = (0, 1, 2, 6, 7, 29, 30, 89, 90, 200)


def clicks_on(link_id, day, count=1, referrer="https://ref0.test/", agent=DESKTOP_CHROME):
    moment = datetime.combine(day, time(12))
    return [new_event(link_id, moment + timedelta(seconds=n), referrer, agent, "203.0.113.0")
            for n in range(count)]


def spread(link_id, days_ago=DAYS_AGO, today=TODAY):
    """A few clicks on each of ``days_ago``: referrers, agents and bots that differ by day."""
    events = []
    for index, ago in enumerate(days_ago):
        day = today - timedelta(days=ago)
        events += clicks_on(link_id, day, 1 + index % 3, f"https://ref{index % 4}.test/", IPHONE)
        events += clicks_on(link_id, day, 1, None, SLACKBOT if index % 2 else DESKTOP_CHROME)
    return events


def kept_and_summed(app, link_id, range_name, today=TODAY):
    """The page's breakdowns from the kept range, and summed from the daily rows."""
    with app.app_context():
        kept = stats.breakdowns(link_id, range_name, today)
        summed = stats._summed_breakdowns(link_id, ranges.first_day(range_name, today), stats.TOP_VALUES)
        assert ranges.top_values(link_id, range_name, today, 3, ["referrer"]) is not None, "not kept"
    return kept, summed


@pytest.fixture
def link_id(app, auth):
    return add_link(app, auth.create_user())


@pytest.mark.parametrize("range_name", list(ranges.RANGE_DAYS))
def test_every_range_equals_its_summed_daily_rows_filled_then_grown(app, link_id, range_name):
    store_events(app, spread(link_id))
    assert roll_ranges(app)[range_name] == "filled"
    kept, summed = kept_and_summed(app, link_id, range_name)
    assert kept == summed and kept["referrer"]
    store_events(app, spread(link_id, days_ago=(0, 3, 45, 120)))  # grown as they are stored
    kept, summed = kept_and_summed(app, link_id, range_name)
    assert kept == summed


def test_a_range_covers_only_its_days(app, link_id):
    store_events(app, clicks_on(link_id, TODAY, 2) + clicks_on(link_id, TODAY - timedelta(days=7), 5))
    roll_ranges(app)
    with app.app_context():
        week = ranges.top_values(link_id, "7d", TODAY, 8, ["device"])
        everything = ranges.top_values(link_id, "all", TODAY, 8, ["device"])
    assert week == {"device": ([("desktop", 2)], 2)}
    assert everything == {"device": ([("desktop", 7)], 7)}


def test_the_roll_moves_every_range_day_by_day_exactly(app, link_id):
    then = TODAY - timedelta(days=100)
    roll_ranges(app, then)
    store_events(app, spread(link_id, days_ago=range(0, 100, 3), today=TODAY))
    for day in (then + timedelta(days=n) for n in range(1, 101, 9)):
        report = roll_ranges(app, day)
        assert report["all"] == "kept" and report["7d"].startswith("moved")
        for range_name in ranges.RANGE_DAYS:
            kept, summed = kept_and_summed(app, link_id, range_name, day)
            assert kept == summed, (day, range_name)


def test_values_that_leave_a_range_are_deleted_not_kept_at_zero(app, link_id):
    store_events(app, clicks_on(link_id, TODAY - timedelta(days=3), 2, "https://gone.test/"))
    roll_ranges(app, TODAY - timedelta(days=3))
    roll_ranges(app)
    with app.app_context():
        left = db.session.scalars(select(RangeBreakdown.range_name)
                                  .where(RangeBreakdown.value == "gone.test")).all()
        smallest = db.session.scalar(select(func.min(RangeBreakdown.clicks)))
    assert sorted(left) == ["30d", "7d", "90d", "all"]
    assert smallest > 0


def test_a_stale_or_unfilled_range_is_summed_from_the_daily_rows(app, link_id):
    store_events(app, spread(link_id))
    with app.app_context():
        assert ranges.top_values(link_id, "7d", TODAY, 8, ["referrer"]) is None  # never filled
    roll_ranges(app, TODAY - timedelta(days=1))  # the roll after midnight has not run yet
    with app.app_context():
        assert ranges.top_values(link_id, "7d", TODAY, 8, ["referrer"]) is None
        assert ranges.top_values(link_id, "all", TODAY, 8, ["referrer"]) is not None
        page = stats.link_stats(link_id, "7d")
        summed = stats._summed_breakdowns(link_id, TODAY - timedelta(days=6), stats.TOP_VALUES)
    assert page.breakdowns["referrer"] == summed["referrer"]


def test_the_tail_folds_into_other_with_the_ranges_total(app, link_id):
    events = [event for n in range(12)
              for event in clicks_on(link_id, TODAY, 12 - n, f"https://site{n:02}.test/")]
    store_events(app, events)
    roll_ranges(app)
    with app.app_context():
        shares = stats.breakdowns(link_id, "30d", TODAY)["referrer"]
    assert [share.value for share in shares] == [f"site{n:02}.test" for n in range(7)] + ["other"]
    assert shares[-1].clicks == sum(range(1, 6)) and sum(share.clicks for share in shares) == 78
    assert shares[0].percent == round(100 * 12 / 78, 1)


def test_another_links_clicks_stay_in_its_own_ranges(app, auth, link_id):
    other = add_link(app, auth.create_user("bob"), slug="other")
    roll_ranges(app)
    store_events(app, clicks_on(other, TODAY, 3, "https://bob.test/"))
    with app.app_context():
        assert ranges.top_values(link_id, "all", TODAY, 8, ["referrer"]) == {}
        assert ranges.top_values(other, "all", TODAY, 8, ["referrer"]) == {
            "referrer": ([("bob.test", 3)], 3)}


def test_the_periodic_job_fills_then_keeps(app, link_id):
    store_events(app, spread(link_id))
    with app.app_context():
        assert set(roll_breakdown_ranges().values()) == {"filled"}
        assert set(roll_breakdown_ranges().values()) == {"kept"}


def test_storing_while_the_roll_moves_counts_every_click_once(app, link_id):
    """Batches stored from four threads while the roll moves the ranges a day at a time: the
    locks keep each batch wholly before or wholly after each roll."""
    first = TODAY - timedelta(days=12)
    roll_ranges(app, first)
    done = threading.Event()
    failures = []

    def store_batches(seed):
        try:
            for n in range(25):
                ago = (seed * 7 + n) % 12
                store_events(app, clicks_on(link_id, TODAY - timedelta(days=ago), 3,
                                            f"https://ref{n % 5}.test/"))
        except Exception as error:  # noqa: BLE001  (reported by the assertion below)
            failures.append(error)

    def roll_forward():
        for day in range(1, 13):
            roll_ranges(app, first + timedelta(days=day))
        done.set()

    threads = [threading.Thread(target=store_batches, args=(seed,)) for seed in range(4)]
    threads.append(threading.Thread(target=roll_forward))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert done.is_set() and not failures, failures
    for range_name in ranges.RANGE_DAYS:
        kept, summed = kept_and_summed(app, link_id, range_name)
        assert kept == summed, range_name


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_roll_that_cannot_lock_gives_up_instead_of_stalling_storage(app, link_id):
    """A long transaction holds the shared lock (a rebuild, say): the roll waits a bounded time,
    then fails for the next run to retry, and storing never queues behind it for long."""
    with app.app_context():
        holder = db.engine.connect()
    holder.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": ranges.LOCK_KEY})
    try:
        with app.app_context(), pytest.raises(OperationalError, match="lock timeout"):
            ranges.roll(TODAY, lock_timeout_ms=200)
        store_events(app, clicks_on(link_id, TODAY, 2))  # not behind a waiting roll
    finally:
        holder.rollback()
        holder.close()
    assert set(roll_ranges(app).values()) == {"filled"}
    kept, summed = kept_and_summed(app, link_id, "all")
    assert kept == summed and kept["device"][0].clicks == 2
