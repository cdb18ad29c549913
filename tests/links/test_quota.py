"""shortener/links/quota.py: one link-creation budget per user, shared by the form, the API and
the CSV import (run by a real in-process RQ worker)."""

import io
from datetime import datetime

from rq import Queue
from sqlalchemy import func, select

from shortener.accounts.models import User
from shortener.background.worker import InProcessWorker
from shortener.extensions import db
from shortener.links.models import Link, LinkImport
from tests.conftest import AuthActions, use_redis
from tests.helpers import make_api_token


def setup(make_app, redis_server, real_redis, limit, **config):
    app = make_app(REDIS_URL=redis_server.url, RATELIMIT_STORAGE_URI=redis_server.url,
                   RATELIMIT_LINK_CREATE=limit, **config)
    use_redis(app, real_redis)
    real_redis.flushall()
    client = app.test_client()
    actions = AuthActions(app, client)
    owner = actions.create_user("alice")
    actions.login("alice")
    _token_id, token = make_api_token(app, owner)
    return app, client, owner, {"Authorization": f"Bearer {token}"}


def form_create(client, n):
    return client.post("/links/new", data={"target_url": f"https://example.com/form{n}"})


def api_create(client, headers, n):
    return client.post("/api/v1/links", json={"target_url": f"https://example.com/api{n}"}, headers=headers)


def import_rows(app, client, connection, count, start=0):
    text = "target\n" + "".join(f"https://example.com/import{n}\n" for n in range(start, start + count))
    response = client.post("/links/import", data={"file": (io.BytesIO(text.encode()), "l.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        InProcessWorker(["imports"], connection=connection).work(burst=True)
        return db.session.scalar(select(LinkImport).order_by(LinkImport.id.desc()))


def link_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Link))


def test_the_form_and_the_api_share_one_budget(make_app, redis_server, real_redis):
    app, client, _owner, headers = setup(make_app, redis_server, real_redis, "3 per minute")
    assert form_create(client, 1).status_code == 302
    assert api_create(client, headers, 1).status_code == 201
    assert api_create(client, headers, 2).status_code == 201
    response = api_create(client, headers, 3)
    assert response.status_code == 429 and response.headers["Retry-After"]
    error = response.json["error"]
    assert error["code"] == "rate_limited" and "3 per 1 minute" in error["message"]
    assert form_create(client, 2).status_code == 429
    assert link_count(app) == 3


def test_a_second_token_has_no_budget_of_its_own(make_app, redis_server, real_redis):
    app, client, owner, headers = setup(make_app, redis_server, real_redis, "2 per minute")
    _token_id, other = make_api_token(app, owner, "another script")
    assert api_create(client, headers, 1).status_code == 201
    assert api_create(client, {"Authorization": f"Bearer {other}"}, 2).status_code == 201
    assert api_create(client, {"Authorization": f"Bearer {other}"}, 3).status_code == 429


def test_an_import_reports_the_rows_over_the_daily_budget_per_row(make_app, redis_server, real_redis):
    app, client, _owner, headers = setup(make_app, redis_server, real_redis, "100 per minute;5 per day")
    assert form_create(client, 1).status_code == 302
    done = import_rows(app, client, real_redis, 6)
    assert (done.status, done.created_count, done.rejected_count) == ("done", 4, 2)
    assert [item["row"] for item in done.report] == [6, 7]
    assert all("link-creation limit (5 per 1 day)" in item["reason"] for item in done.report)
    assert api_create(client, headers, 1).status_code == 429
    assert link_count(app) == 5
    page = client.get(f"/imports/{done.id}").get_data(as_text=True)
    assert "link-creation limit" in page


def test_an_import_counts_against_the_day_not_the_minute(make_app, redis_server, real_redis):
    # One upload is one request, bounded by IMPORT_MAX_ROWS: its rows use the daily budget only.
    app, client, _owner, headers = setup(make_app, redis_server, real_redis, "2 per minute;10 per day")
    done = import_rows(app, client, real_redis, 8)
    assert (done.created_count, done.rejected_count) == (8, 0)
    assert api_create(client, headers, 1).status_code == 201
    assert api_create(client, headers, 2).status_code == 201
    assert api_create(client, headers, 3).status_code == 429  # the day's 10
    assert Queue("imports", connection=real_redis).count == 0


def test_an_upload_is_refused_up_front_when_the_days_budget_is_spent(make_app, redis_server, real_redis):
    app, client, _owner, headers = setup(make_app, redis_server, real_redis, "100 per minute;2 per day")
    assert api_create(client, headers, 1).status_code == 201
    assert api_create(client, headers, 2).status_code == 201
    text = "target\nhttps://example.com/late\n"
    response = client.post("/links/import", data={"file": (io.BytesIO(text.encode()), "l.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "link-creation limit (2 per 1 day)" in page
    assert Queue("imports", connection=real_redis).count == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LinkImport)) == 0


# --- limits tied to trust ------------------------------------------------------------------------

def setup_new_account(make_app, redis_server, real_redis, **config):
    return setup(make_app, redis_server, real_redis, "100 per day",
                 RATELIMIT_LINK_CREATE_NEW="2 per day", **config)


def test_a_young_account_has_the_smaller_budget_and_is_told_why(make_app, redis_server, real_redis):
    app, client, _owner, headers = setup_new_account(make_app, redis_server, real_redis,
                                                     TRUST_AFTER_DAYS=7)
    assert form_create(client, 1).status_code == 302
    assert api_create(client, headers, 1).status_code == 201
    response = api_create(client, headers, 2)
    assert response.status_code == 429
    assert "2 per 1 day" in response.json["error"]["message"]
    assert "New accounts create fewer links" in response.json["error"]["message"]
    page = form_create(client, 2)
    assert page.status_code == 429 and "New accounts create fewer links" in page.get_data(as_text=True)
    assert link_count(app) == 2


def unverify(app, owner):
    with app.app_context():
        user = db.session.get(User, owner)
        user.email_verified_at, user.created_at = None, datetime(2020, 1, 1)
        db.session.commit()


def test_an_unverified_account_has_the_smaller_budget_however_old(make_app, redis_server, real_redis):
    app, client, owner, headers = setup_new_account(make_app, redis_server, real_redis,
                                                    REGISTRATION="open")
    unverify(app, owner)
    assert api_create(client, headers, 1).status_code == 201
    assert api_create(client, headers, 2).status_code == 201
    assert api_create(client, headers, 3).status_code == 429


def test_a_trusted_account_has_the_full_budget(make_app, redis_server, real_redis):
    app, client, owner, headers = setup_new_account(make_app, redis_server, real_redis,
                                                    TRUST_AFTER_DAYS=7)
    with app.app_context():
        db.session.get(User, owner).created_at = datetime(2020, 1, 1)
        db.session.commit()
    for n in range(4):
        assert api_create(client, headers, n).status_code == 201


def test_an_unverified_account_creates_no_link_unless_registration_is_open(make_app, redis_server,
                                                                           real_redis):
    app, client, owner, headers = setup_new_account(make_app, redis_server, real_redis,
                                                    REGISTRATION="verified")
    unverify(app, owner)
    page = form_create(client, 1)
    assert page.status_code == 403 and "Confirm your email address first" in page.get_data(as_text=True)
    response = api_create(client, headers, 1)
    assert response.status_code == 403 and response.json["error"]["code"] == "address_not_confirmed"
    text = "target\nhttps://example.com/i\n"
    upload = client.post("/links/import", data={"file": (io.BytesIO(text.encode()), "l.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 200 and "Confirm your email address first" in upload.get_data(as_text=True)
    assert link_count(app) == 0
