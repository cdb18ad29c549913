from datetime import datetime

from sqlalchemy import select

from shortener.clicks.events import new_event
from shortener.clicks.models import Click, DailyBreakdown, DailyClicks, HourlyClicks
from shortener.clicks.storage import store_clicks
from shortener.extensions import db
from shortener.links.models import Link
from tests.helpers import DESKTOP_CHROME, IPHONE, SLACKBOT, add_link, roll_ranges, rollup_snapshot

AT = datetime(2026, 11, 20, 12, 30)


def store(app, events):
    with app.app_context():
        inserted = store_clicks(events)
        db.session.commit()
        return inserted


def batch(link_id):
    return [
        new_event(link_id, AT, "https://slack.com/x", IPHONE, "203.0.113.0", visitor_key="a" * 32),
        new_event(link_id, AT, "https://slack.com/x", IPHONE, "203.0.113.0", visitor_key="a" * 32),
        new_event(link_id, AT, None, DESKTOP_CHROME, "198.51.100.0", visitor_key="b" * 32),
        new_event(link_id, AT, None, SLACKBOT, "198.51.100.0", visitor_key="c" * 32),
    ]


def test_stored_clicks_are_enriched(app, auth):
    link_id = add_link(app, auth.create_user())
    event = batch(link_id)[0]
    store(app, [event])
    with app.app_context():
        click = db.session.scalars(select(Click)).one()
        assert (click.is_bot, click.browser, click.os, click.device, click.referrer_host) == (
            False, "Mobile Safari", "iOS", "mobile", "slack.com")
        assert click.visitor_key == "a" * 32


def test_humans_bots_and_visitors_roll_up_apart(app, auth):
    link_id = add_link(app, auth.create_user())
    assert store(app, batch(link_id)) == 4
    with app.app_context():
        link = db.session.get(Link, link_id)
        assert (link.click_count, link.bot_count) == (3, 1)
        daily = db.session.get(DailyClicks, (link_id, AT.date()))
        assert (daily.humans, daily.bots, daily.visitors) == (3, 1, 2)
        hourly = db.session.get(HourlyClicks, (link_id, AT.replace(minute=0)))
        assert (hourly.humans, hourly.bots) == (3, 1)
        breakdown = {(row.dimension, row.value): row.clicks
                     for row in db.session.scalars(select(DailyBreakdown))}
    assert breakdown[("referrer", "slack.com")] == 2
    assert breakdown[("referrer", "direct")] == 1
    assert breakdown[("device", "mobile")] == 2 and breakdown[("device", "desktop")] == 1
    assert breakdown[("bot", "Slackbot")] == 1
    assert ("device", "bot") not in breakdown  # bots count only under their name


def test_replaying_a_batch_changes_no_rollup(app, auth):
    link_id = add_link(app, auth.create_user())
    roll_ranges(app, AT.date())  # the ranges grow too
    events = batch(link_id)
    store(app, events)
    before = rollup_snapshot(app)
    assert store(app, events) == 0
    assert store(app, list(reversed(events))) == 0
    assert rollup_snapshot(app) == before


def test_a_visitor_counts_once_a_day_across_batches(app, auth):
    link_id = add_link(app, auth.create_user())
    first = new_event(link_id, AT, None, IPHONE, None, visitor_key="a" * 32)
    again = new_event(link_id, AT.replace(hour=18), None, IPHONE, None, visitor_key="a" * 32)
    next_day = new_event(link_id, AT.replace(day=21), None, IPHONE, None, visitor_key="a" * 32)
    store(app, [first])
    store(app, [again, next_day])
    with app.app_context():
        visitors = dict(db.session.execute(
            select(DailyClicks.day, DailyClicks.visitors).where(DailyClicks.link_id == link_id)).all())
    assert visitors == {AT.date(): 1, AT.replace(day=21).date(): 1}


def test_bots_are_never_visitors(app, auth):
    link_id = add_link(app, auth.create_user())
    store(app, [new_event(link_id, AT, None, SLACKBOT, None, visitor_key="c" * 32)])
    with app.app_context():
        assert db.session.get(DailyClicks, (link_id, AT.date())).visitors == 0
