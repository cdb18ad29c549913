"""shortener/clicks/pending.py: the clicks accepted but not stored yet."""

from shortener.background import queues
from shortener.clicks import buffer as click_buffer
from shortener.clicks import pending, spool
from tests.helpers import make_event

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_pending_counts_survive_redis_being_down(make_app):
    app = make_app(REDIS_URL=UNREACHABLE_REDIS)
    with app.app_context():
        assert pending.pending_counts() == {"spool": 0, "queue": None, "buffer": None}


def test_clicks_in_flight_counts_the_spool(app):
    with app.app_context():
        assert pending.clicks_in_flight() == 0
        spool.append(app.config["CLICK_SPOOL_DIR"], make_event(1))
        assert pending.clicks_in_flight() == 1


def test_clicks_in_flight_with_redis_down_is_zero(make_app):
    app = make_app(REDIS_URL=UNREACHABLE_REDIS)
    with app.app_context():
        assert pending.clicks_in_flight() == 0


def test_pending_counts_each_place_a_click_waits(app, fake_redis):
    with app.app_context():
        queues.enqueue(queues.CLICKS, "jobs.clicks.record_click", make_event(1))
        for _ in range(2):
            click_buffer.push(fake_redis, make_event(1), cap=100, batch_size=100)
        spool.append(app.config["CLICK_SPOOL_DIR"], make_event(1))
        assert pending.pending_counts() == {"spool": 1, "queue": 1, "buffer": 2}
        assert pending.clicks_in_flight() == 4
