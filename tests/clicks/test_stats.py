"""shortener/clicks/stats.py: per-link numbers from the rollups, and the link page that shows them."""

import re
from datetime import date, datetime, timedelta

import pytest

from shortener.background.redis_clients import CircuitBreaker, RedisState, make_web_client
from shortener.clicks import spool, stats
from shortener.clicks.events import new_event
from shortener.clicks.models import DailyClicks
from shortener.extensions import db
from shortener.timeutil import utcnow
from tests.helpers import add_link, recorded_statements, roll_ranges, store_events

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def store_at(app, link_id, *clicked_at: datetime, referrer="https://ref.test/", agent="agent/1"):
    store_events(app, [new_event(link_id, when, referrer, agent, "192.0.2.0") for when in clicked_at])


def add_daily(app, link_id, *days: tuple[date, int]) -> None:
    with app.app_context():
        db.session.add_all(DailyClicks(link_id=link_id, day=day, humans=n) for day, n in days)
        db.session.commit()


@pytest.fixture
def owner_id(auth):
    return auth.create_user("alice")


# --- queries ------------------------------------------------------------------

def test_the_daily_chart_fills_its_window_with_zeros_and_reads_its_link_only(app, owner_id):
    link_id, other_id = add_link(app, owner_id), add_link(app, owner_id, slug="other")
    today = NOW.date()
    add_daily(app, link_id, (today, 5), (today - timedelta(days=29), 2),
              (today - timedelta(days=30), 99), (today + timedelta(days=1), 99))
    add_daily(app, other_id, (today, 77))
    with app.app_context():
        points = stats.link_stats(link_id, "30d", NOW).points
    assert len(points) == 30
    assert (points[0].start, points[0].humans) == (today - timedelta(days=29), 2)
    assert (points[-1].start, points[-1].humans) == (today, 5)
    assert sum(point.humans for point in points) == 7


def test_recent_clicks_are_the_newest_twenty(app, owner_id):
    link_id = add_link(app, owner_id)
    start = datetime(2026, 3, 1, 12, 0)
    store_at(app, link_id, *(start + timedelta(minutes=n) for n in range(25)))
    with app.app_context():
        recent = stats.recent_clicks(link_id)
    assert len(recent) == 20
    assert recent[0].clicked_at == start + timedelta(minutes=24)
    assert recent[-1].clicked_at == start + timedelta(minutes=5)


def use_unreachable_redis(app) -> None:
    """The production web client, pointed at a port where no Redis listens."""
    client = make_web_client(UNREACHABLE_REDIS, app.config["REDIS_WEB_TIMEOUT"])
    app.extensions["redis"] = RedisState(web=client, worker=client, breaker=CircuitBreaker(5))


# --- the detail page ----------------------------------------------------------

def stat(html: str, name: str) -> str:
    return re.search(rf'data-stat="{name}">([^<]*)<', html).group(1)


def test_detail_shows_totals_from_the_rollups(app, client, logged_in):
    # No click rows at all: every number must come from click_count and DailyClicks.
    link_id = add_link(app, logged_in, click_count=1_234_567)
    today = utcnow().date()
    add_daily(app, link_id, (today, 12), (today - timedelta(days=3), 30))
    html = client.get(f"/links/{link_id}").get_data(as_text=True)
    assert stat(html, "total") == "1,234,567"
    assert stat(html, "humans") == "42"
    assert f"<title>{today.strftime('%b %d')}: 12 human, 0 bot</title>" in html
    assert "No clicks yet" in html


def test_detail_shows_recent_clicks(app, client, logged_in):
    link_id = add_link(app, logged_in)
    store_at(app, link_id, datetime(2026, 3, 1, 9, 30, 5), referrer="https://news.example/",
          agent="Mozilla/5.0 <script>")
    html = client.get(f"/links/{link_id}").get_data(as_text=True)
    assert "2026-03-01 09:30:05" in html
    assert "https://news.example/" in html
    assert "Mozilla/5.0 &lt;script&gt;" in html
    assert "192.0.2.0" in html
    assert stat(html, "total") == "1"


def test_detail_says_stats_are_eventually_consistent(app, client, logged_in):
    link_id = add_link(app, logged_in)
    assert "stats update within seconds" in client.get(f"/links/{link_id}").get_data(as_text=True)
    spool.append(app.config["CLICK_SPOOL_DIR"], new_event(link_id, utcnow(), None, None, None))
    html = client.get(f"/links/{link_id}").get_data(as_text=True)
    assert re.search(r"As of \d\d:\d\d:\d\d UTC, 1 click still on its way", html)


def test_detail_counts_queued_click_jobs(app, client, logged_in):
    app.config["CLICK_TRACKING"] = "job"  # enqueued on fakeredis; no worker runs
    link_id = add_link(app, logged_in, slug="go")
    for _ in range(2):
        assert client.get("/alice/go").status_code == 302
    html = client.get(f"/links/{link_id}").get_data(as_text=True)
    assert "2 clicks still on their way" in html


def test_detail_works_with_redis_unreachable(app, client, logged_in):
    use_unreachable_redis(app)
    link_id = add_link(app, logged_in, click_count=7)
    response = client.get(f"/links/{link_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert stat(html, "total") == "7"
    assert "stats update within seconds" in html


def test_detail_never_counts_or_scans_click_rows(app, client, logged_in):
    link_id = add_link(app, logged_in)
    store_at(app, link_id, datetime(2026, 3, 1, 9, 0))
    with recorded_statements(app) as seen:
        assert client.get(f"/links/{link_id}").status_code == 200
    statements = [" ".join(statement.lower().split()) for statement in seen]
    on_clicks = [s for s in statements if re.search(r"\bfrom clicks\b", s)]
    [query] = on_clicks
    assert "count(" not in query
    assert "where clicks.link_id =" in query and "order by clicks.clicked_at desc" in query
    assert "limit" in query


# --- ranges -------------------------------------------------------------------

NOW = datetime(2026, 6, 15, 13, 45)


def test_unknown_ranges_fall_back_to_the_default():
    assert [stats.parse_range(value) for value in ("7d", "all", "1y", None, 7, "")] == [
        "7d", "all", "30d", "30d", "30d", "30d"]


@pytest.mark.parametrize("range_name, length, first", [
    ("24h", 24, datetime(2026, 6, 14, 14)),
    ("7d", 7, date(2026, 6, 9)),
    ("30d", 30, date(2026, 5, 17)),
    ("90d", 90, date(2026, 3, 18)),
])
def test_each_range_has_its_buckets(app, owner_id, range_name, length, first):
    link_id = add_link(app, owner_id)
    with app.app_context():
        series = stats.link_stats(link_id, range_name, NOW).points
    assert len(series) == length and series[0].start == first


def test_all_time_is_by_month_past_two_years(app, owner_id):
    link_id = add_link(app, owner_id)
    store_at(app, link_id, datetime(2024, 2, 10), datetime(2024, 2, 11), datetime(2024, 4, 1))
    with app.app_context():
        result = stats.link_stats(link_id, "all", NOW)
    assert result.bucket == "month"
    assert [(p.start, p.humans) for p in result.points[:4]] == [
        (date(2024, 2, 1), 2), (date(2024, 3, 1), 0), (date(2024, 4, 1), 1), (date(2024, 5, 1), 0)]
    assert result.points[-1].start == date(2026, 6, 1) and result.points[0].label == "Feb 2024"
    assert result.totals.humans == 3


def test_all_time_is_by_week_from_the_monday_of_the_first_click(app, owner_id):
    link_id = add_link(app, owner_id)
    store_at(app, link_id, datetime(2026, 2, 10), datetime(2026, 2, 15), datetime(2026, 2, 16))
    with app.app_context():
        result = stats.link_stats(link_id, "all", NOW)
    assert result.bucket == "week"
    assert [(p.start, p.humans) for p in result.points[:2]] == [(date(2026, 2, 9), 2), (date(2026, 2, 16), 1)]
    assert result.points[-1].start == NOW.date() - timedelta(days=NOW.weekday())
    assert result.totals.humans == 3


def test_all_time_of_a_new_link_is_a_month_of_days_not_one_bar(app, owner_id):
    link_id = add_link(app, owner_id)
    store_at(app, link_id, NOW - timedelta(hours=1))
    with app.app_context():
        result = stats.link_stats(link_id, "all", NOW)
    assert result.bucket == "day" and len(result.points) == stats.ALL_TIME_MIN_DAYS
    assert result.points[-1] == stats.Point(NOW.date(), NOW.strftime("%b %d"), 1, 0)
    with app.app_context():
        assert len(stats.link_stats(add_link(app, owner_id, slug="none"), "all", NOW).points) == 30


def test_all_time_is_by_day_up_to_its_daily_limit(app, owner_id):
    link_id = add_link(app, owner_id)
    store_at(app, link_id, datetime.combine(NOW.date() - timedelta(days=stats.ALL_TIME_DAILY_MAX - 1),
                                            datetime.min.time()))
    with app.app_context():
        result = stats.link_stats(link_id, "all", NOW)
    assert result.bucket == "day" and len(result.points) == stats.ALL_TIME_DAILY_MAX
    assert result.points[0].humans == 1


def test_the_24h_range_reads_hours(app, owner_id):
    link_id = add_link(app, owner_id)
    store_at(app, link_id, datetime(2026, 6, 15, 13, 5), datetime(2026, 6, 14, 13, 59), agent="")
    with app.app_context():
        result = stats.link_stats(link_id, "24h", NOW)
    assert result.points[-1].bots == 1  # no agent: a bot
    assert result.totals == stats.Totals(0, 1, 0)  # 2026-06-14 13:59 is outside the 24 hours


def test_the_tail_folds_into_other_with_percentages():
    shares = stats.ranked([(f"v{i}", 10 - i) for i in range(10)], top=3)
    assert [share.value for share in shares] == ["v0", "v1", "other"]
    assert [share.clicks for share in shares] == [10, 9, 36]
    assert sum(share.percent for share in shares) == pytest.approx(100, abs=0.2)


# --- the dashboard: sparklines and the owner's totals -------------------------------------------

def add_daily_split(app, link_id, day: date, humans: int, bots: int) -> None:
    with app.app_context():
        db.session.add(DailyClicks(link_id=link_id, day=day, humans=humans, bots=bots))
        db.session.commit()


def test_sparklines_give_seven_days_of_humans_per_link_oldest_first(app, owner_id):
    today = date(2026, 3, 31)
    link_id, quiet_id = add_link(app, owner_id), add_link(app, owner_id, slug="quiet")
    add_daily_split(app, link_id, today, 4, 9)
    add_daily_split(app, link_id, today - timedelta(days=6), 2, 0)
    add_daily_split(app, link_id, today - timedelta(days=7), 50, 0)  # outside the week
    add_daily_split(app, link_id, today + timedelta(days=1), 70, 0)  # clock skew: not shown
    with app.app_context():
        series = stats.sparklines([link_id, quiet_id], today=today)
    assert series == {link_id: [2, 0, 0, 0, 0, 0, 4], quiet_id: [0] * 7}


def test_the_dashboard_reads_daily_clicks_twice_whatever_the_number_of_links(app, client, logged_in):
    for n in range(5):
        add_daily_split(app, add_link(app, logged_in, slug=f"s{n}"), utcnow().date(), 1, 0)
    with recorded_statements(app) as seen:
        assert client.get("/").status_code == 200
    statements = [" ".join(statement.lower().split()) for statement in seen]
    # One for the sparklines of the page, one for the totals: no query per link (no N+1).
    assert len([s for s in statements if "from daily_clicks" in s]) == 2


def test_owner_totals_count_humans_today_and_this_week_of_my_links_only(app, owner_id, auth):
    today = date(2026, 3, 31)
    mine, also_mine = add_link(app, owner_id), add_link(app, owner_id, slug="two")
    theirs = add_link(app, auth.create_user("bob"), slug="bobs")
    add_daily_split(app, mine, today, 3, 100)
    add_daily_split(app, also_mine, today, 2, 0)
    add_daily_split(app, also_mine, today - timedelta(days=6), 10, 0)
    add_daily_split(app, also_mine, today - timedelta(days=7), 1000, 0)
    add_daily_split(app, theirs, today, 500, 0)
    with app.app_context():
        assert stats.owner_totals(owner_id, today=today) == (5, 15)
        assert stats.owner_totals(auth.create_user("carol"), today=today) == (0, 0)


# --- the link page over the kept ranges --------------------------------------------------------

def test_the_link_page_reads_kept_ranges_not_daily_rows_once_rolled(app, client, logged_in):
    link_id = add_link(app, logged_in)
    store_at(app, link_id, utcnow(), referrer="https://chat.example/")

    def page_statements():
        with recorded_statements(app) as seen:
            page = client.get(f"/links/{link_id}?range=7d")
        assert page.status_code == 200 and "chat.example" in page.get_data(as_text=True)
        return [" ".join(statement.lower().split()) for statement in seen]

    assert any("from daily_breakdown" in s for s in page_statements())  # not rolled yet: summed
    roll_ranges(app)
    statements = page_statements()
    assert not any("from daily_breakdown" in s for s in statements)
    assert any("from range_breakdown" in s for s in statements)


def test_the_24h_page_says_its_breakdowns_count_whole_days(client, logged_in, app):
    link_id = add_link(app, logged_in)
    day = client.get(f"/links/{link_id}?range=24h").get_data(as_text=True)
    week = client.get(f"/links/{link_id}?range=7d").get_data(as_text=True)
    assert "count whole UTC days: yesterday and today" in day
    assert "whole UTC days" not in week
