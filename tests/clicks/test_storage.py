"""shortener/clicks/events.py and storage.py: click events as plain data, stored once and counted once."""

import uuid
from datetime import datetime

from sqlalchemy import select

from shortener.clicks.events import REFERRER_MAX, USER_AGENT_MAX, new_event
from shortener.clicks.models import Click, DailyClicks
from shortener.extensions import db
from shortener.links.models import Link
from tests.helpers import add_link, counts, make_event, store_events


def test_new_event_is_plain_data_and_truncates_long_headers():
    event = new_event(7, datetime(2026, 1, 2, 3, 4, 5), "r" * 5000, "u" * 5000, "192.0.2.0")
    assert event["link_id"] == 7
    assert event["clicked_at"] == "2026-01-02T03:04:05"
    assert len(event["referrer"]) == REFERRER_MAX
    assert len(event["user_agent"]) == USER_AGENT_MAX
    assert all(isinstance(value, str | int) for value in event.values())


def test_storing_an_event_twice_counts_once(app, auth):
    link_id = add_link(app, auth.create_user())
    event = make_event(link_id)
    assert store_events(app, [event]) == 1
    assert store_events(app, [event]) == 0
    assert counts(app, link_id) == (1, 1, 1)


def test_a_batch_repeating_an_event_counts_it_once(app, auth):
    link_id = add_link(app, auth.create_user())
    event, other = make_event(link_id), make_event(link_id)
    assert store_events(app, [event, other, event]) == 2
    assert counts(app, link_id) == (2, 2, 2)


def test_clicks_of_a_deleted_link_are_dropped_without_error(app, auth):
    user_id = auth.create_user()
    kept, gone = add_link(app, user_id, "kept"), add_link(app, user_id, "gone")
    with app.app_context():
        db.session.delete(db.session.get(Link, gone))
        db.session.commit()
    assert store_events(app, [make_event(gone), make_event(kept)]) == 1
    assert counts(app, kept) == (1, 1, 1)


def test_daily_rollups_follow_the_click_day(app, auth):
    link_id = add_link(app, auth.create_user())
    days = [datetime(2026, 11, 20, 23, 59), datetime(2026, 11, 21, 0, 1), datetime(2026, 11, 21, 9)]
    store_events(app, [make_event(link_id, day) for day in days[:2]])
    store_events(app, [make_event(link_id, days[2])])
    with app.app_context():
        rollup = dict(db.session.execute(
            select(DailyClicks.day, DailyClicks.humans + DailyClicks.bots)
            .where(DailyClicks.link_id == link_id)
        ).all())
    assert {day.isoformat(): n for day, n in rollup.items()} == {"2026-11-20": 1, "2026-11-21": 2}


def test_clicks_without_referrer_agent_or_ip_mix_with_full_ones(app, auth):
    first, second = add_link(app, auth.create_user(), "one"), add_link(app, auth.create_user("eve"), "two")
    bare = new_event(first, datetime(2026, 11, 20, 8), None, None, None)
    events = [bare, make_event(first), make_event(second), make_event(second)]
    assert store_events(app, events) == 4
    # No user agent at all is a bot: counted apart from the humans.
    assert counts(app, first) == (2, 1, 2) and counts(app, second) == (2, 2, 2)
    with app.app_context():
        assert db.session.get(Link, first).bot_count == 1
        stored = db.session.get(Click, uuid.UUID(bare["id"]))
        assert (stored.referrer, stored.user_agent, stored.ip_address) == (None, None, None)


def last_clicked_at(app, link_id) -> datetime | None:
    with app.app_context():
        return db.session.get(Link, link_id).last_clicked_at


def test_last_clicked_at_is_the_newest_click_stored_whatever_the_arrival_order(app, auth):
    user_id = auth.create_user()
    link_id, other_id = add_link(app, user_id), add_link(app, user_id, "other")
    late, early = datetime(2026, 5, 2, 9, 30), datetime(2026, 5, 1, 8, 0)
    assert last_clicked_at(app, link_id) is None
    store_events(app, [make_event(link_id, early), make_event(link_id, late),
                       make_event(other_id, early)])
    store_events(app, [make_event(link_id, early)])  # an older click arriving later
    assert last_clicked_at(app, link_id) == late
    assert last_clicked_at(app, other_id) == early


def test_a_replayed_click_does_not_move_last_clicked_at(app, auth):
    link_id = add_link(app, auth.create_user())
    replayed = make_event(link_id, datetime(2026, 5, 3, 0, 0))
    store_events(app, [make_event(link_id, datetime(2026, 5, 1, 0, 0)), replayed])
    with app.app_context():
        db.session.get(Link, link_id).last_clicked_at = datetime(2026, 5, 2, 0, 0)
        db.session.commit()
    assert store_events(app, [replayed]) == 0  # already stored: nothing inserted, nothing grows
    assert last_clicked_at(app, link_id) == datetime(2026, 5, 2, 0, 0)


def test_a_bot_click_does_not_move_last_clicked_at(app, auth):
    link_id = add_link(app, auth.create_user())
    human = make_event(link_id, datetime(2026, 5, 1, 0, 0))
    bot = new_event(link_id, datetime(2026, 5, 2, 0, 0), None, "Googlebot/2.1 (+http://www.google.com/bot.html)",
                    "192.0.2.0")
    store_events(app, [human, bot])
    assert last_clicked_at(app, link_id) == datetime(2026, 5, 1, 0, 0)
    store_events(app, [new_event(link_id, datetime(2026, 5, 3, 0, 0), None, "", "192.0.2.0")])
    assert last_clicked_at(app, link_id) == datetime(2026, 5, 1, 0, 0)
