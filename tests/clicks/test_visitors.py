import re
from datetime import date, datetime, timedelta

import redis
from sqlalchemy import select

from jobs.clicks import prune_click_rollups
from shortener.clicks import visitors
from shortener.clicks.models import Click, DailyClicks, DailyVisitor, HourlyClicks
from shortener.clicks.retention import prune_rollups
from shortener.extensions import db
from tests.conftest import use_redis
from tests.helpers import IPHONE, add_link

DAY = date(2026, 11, 20)


def test_a_days_salt_is_shared_and_expires_after_two_days(app, fake_redis):
    with app.app_context():
        salt = visitors.salt_of(DAY)
    assert len(salt) == visitors.SALT_BYTES
    assert fake_redis.get(visitors.salt_key(DAY)) == salt
    assert 0 < fake_redis.ttl(visitors.salt_key(DAY)) <= 2 * 24 * 3600


def test_another_process_gets_the_same_salt(make_app, fake_redis):
    first, second = make_app(), make_app()
    with first.app_context():
        salt = visitors.salt_of(DAY)
    with second.app_context():
        assert visitors.salt_of(DAY) == salt


def test_the_salt_rotates_with_the_utc_day_and_the_old_one_is_forgotten(app, fake_redis):
    with app.app_context():
        today, tomorrow = visitors.salt_of(DAY), visitors.salt_of(DAY + timedelta(days=1))
        assert today != tomorrow
        assert app.extensions["visitor_salts"].current == (DAY + timedelta(days=1), tomorrow)


def test_the_salt_is_cached_per_process_for_the_day(app, fake_redis):
    with app.app_context():
        salt = visitors.salt_of(DAY)
        fake_redis.flushall()  # a second Redis call would make a new salt
        assert visitors.salt_of(DAY) == salt


def test_no_redis_means_no_visitor_key_but_the_click_counts(app, auth):
    use_redis(app, redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.1, socket_connect_timeout=0.1))
    link_id = add_link(app, auth.create_user("bob"), "go")
    response = app.test_client().get("/bob/go", headers={"User-Agent": IPHONE})
    assert response.status_code == 302
    with app.app_context():
        click = db.session.scalars(select(Click)).one()
        assert click.visitor_key is None and click.link_id == link_id


def test_the_redirect_stores_a_key_not_the_address(app, auth):
    add_link(app, auth.create_user("bob"), "go")
    client = app.test_client()
    for address in ("203.0.113.7", "203.0.113.7", "203.0.113.8"):
        client.get("/bob/go", headers={"User-Agent": IPHONE}, environ_base={"REMOTE_ADDR": address})
    with app.app_context():
        clicks = db.session.scalars(select(Click)).all()
        assert {click.ip_address for click in clicks} == {"203.0.113.0"}
        assert len({click.visitor_key for click in clicks}) == 2
        assert all("203.0.113.7" not in click.visitor_key for click in clicks)
        assert db.session.scalar(select(DailyClicks.visitors)) == 2


def test_pruning_forgets_old_visitor_keys_and_hours(app, auth):
    link_id = add_link(app, auth.create_user())
    now = datetime(2026, 11, 20, 12)
    with app.app_context():
        for days_ago in (0, 1, 2, 3):
            db.session.add(DailyVisitor(link_id=link_id, day=now.date() - timedelta(days=days_ago),
                                        visitor_key="k" * 32))
        for days_ago in (1, 91):
            db.session.add(HourlyClicks(link_id=link_id, hour=now - timedelta(days=days_ago),
                                        humans=1, bots=0))
        db.session.commit()
        assert prune_rollups(now) == {"daily_visitors": 2, "hourly_clicks": 1}
        assert sorted(db.session.scalars(select(DailyVisitor.day))) == [
            now.date() - timedelta(days=1), now.date()]


def test_the_prune_job_runs(app):
    with app.app_context():
        assert prune_click_rollups() == {"daily_visitors": 0, "hourly_clicks": 0}


# --- the key itself ---------------------------------------------------------------------------

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"


def test_visitor_key_is_a_deterministic_keyed_hash():
    key = visitors.visitor_key(b"salt", "8.8.8.0", IPHONE, 7)
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert key == visitors.visitor_key(b"salt", "8.8.8.0", IPHONE, 7)
    variations = {
        visitors.visitor_key(b"pepper", "8.8.8.0", IPHONE, 7),
        visitors.visitor_key(b"salt", "8.8.4.0", IPHONE, 7),
        visitors.visitor_key(b"salt", "8.8.8.0", FIREFOX, 7),
        visitors.visitor_key(b"salt", "8.8.8.0", IPHONE, 8),
    }
    assert key not in variations and len(variations) == 4


def test_visitor_key_fields_cannot_run_into_each_other():
    assert visitors.visitor_key(b"s", "1.2.3.4", "ab", 1) != visitors.visitor_key(b"s", "1.2.3.4a", "b", 1)
    assert visitors.visitor_key(b"s", "1", "2", 34) != visitors.visitor_key(b"s", "1", "23", 4)
    assert visitors.visitor_key(b"s", None, None, 1) == visitors.visitor_key(b"s", "", "", 1)
    assert re.fullmatch(r"[0-9a-f]{32}", visitors.visitor_key(b"s", None, "\udcff", 1))
