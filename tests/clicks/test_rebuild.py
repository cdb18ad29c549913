from datetime import date, datetime

from rq import Queue
from sqlalchemy import delete, select, update

from jobs.clicks import enrich_stored_clicks
from shortener.clicks.events import new_event
from shortener.clicks.models import Click, DailyBreakdown, DailyClicks, HourlyClicks, RangeBreakdown
from shortener.clicks.storage import store_clicks
from shortener.extensions import db
from shortener.links.models import Link
from tests.helpers import DESKTOP_CHROME, IPHONE, SLACKBOT, add_link, roll_ranges, rollup_snapshot


def stored_batch(app, link_id):
    at = datetime(2026, 11, 20, 12)
    events = [
        new_event(link_id, at, "https://slack.com/", IPHONE, "203.0.113.0", visitor_key="a" * 32),
        new_event(link_id, at.replace(hour=13), None, IPHONE, "203.0.113.0", visitor_key="a" * 32),
        new_event(link_id, at.replace(day=21), None, DESKTOP_CHROME, None, visitor_key="b" * 32),
        new_event(link_id, at, None, SLACKBOT, None),
    ]
    with app.app_context():
        store_clicks(events)
        db.session.commit()


def forget_everything(app):
    """As if the clicks had been stored before enrichment existed."""
    with app.app_context():
        db.session.execute(update(Click).values(browser=None, os=None, device=None, is_bot=None))
        for model in (DailyClicks, HourlyClicks, DailyBreakdown, RangeBreakdown):
            db.session.execute(delete(model))
        db.session.execute(update(Link).values(click_count=4, bot_count=0))
        db.session.commit()


def test_enrich_rebuilds_what_storage_would_have_built_and_is_idempotent(app, auth):
    link_id = add_link(app, auth.create_user())
    roll_ranges(app, date(2026, 11, 21))  # the ranges are rebuilt too
    stored_batch(app, link_id)
    expected = rollup_snapshot(app)
    forget_everything(app)
    with app.app_context():
        assert enrich_stored_clicks(batch_size=2) == {"clicks": 4, "links": 1}
        assert db.session.scalar(select(Click.browser).where(Click.is_bot.is_(False)).limit(1))
    assert rollup_snapshot(app) == expected
    with app.app_context():
        enrich_stored_clicks(batch_size=3)
    assert rollup_snapshot(app) == expected


def test_flask_clicks_enrich_queues_the_job(app, runner, fake_redis):
    result = runner.invoke(args=["clicks", "enrich", "--batch-size", "500"])
    assert result.exit_code == 0, result.output
    [job] = Queue("clicks", connection=fake_redis).jobs
    assert job.func_name == "jobs.clicks.enrich_stored_clicks" and job.args == (500,)
