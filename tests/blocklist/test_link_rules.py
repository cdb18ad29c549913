"""A blocked target is refused wherever a link is made or edited (links.rules.check_target):
the form, the API, and each row of an import with its reason."""

import io

import pytest
from sqlalchemy import select

from shortener.background.worker import InProcessWorker
from shortener.blocklist import manage
from shortener.extensions import db
from shortener.links.models import Link, LinkImport
from tests.conftest import AuthActions, use_redis
from tests.helpers import add_link, make_api_token

BLOCKED = "This destination is blocked on this site"


def block(app, *texts: str) -> None:
    with app.app_context():
        for text in texts:
            manage.add_entry(text, None, None)


def targets(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Link.target_url)))


def test_the_form_refuses_a_blocked_target(app, client, logged_in):
    block(app, "evil.example")
    response = client.post("/links/new", data={"target_url": "https://WWW.Evil.Example./x", "slug": "x"})
    assert response.status_code == 200 and BLOCKED in response.get_data(as_text=True)
    assert targets(app) == set()


def test_the_edit_form_refuses_a_blocked_target(app, client, logged_in):
    link_id = add_link(app, logged_in)
    block(app, "example.org/bad")
    response = client.post(f"/links/{link_id}/edit", data={
        "target_url": "https://example.org/bad/page", "is_active": "y"})
    assert response.status_code == 200 and BLOCKED in response.get_data(as_text=True)
    assert targets(app) == {"https://example.com/"}


@pytest.fixture
def api_headers(app, auth):
    _token_id, token = make_api_token(app, auth.create_user("alice"))
    return {"Authorization": f"Bearer {token}"}


def test_the_api_refuses_a_blocked_target_on_create_and_update(app, client, api_headers):
    block(app, "evil.example")
    created = client.post("/api/v1/links", json={"target_url": "https://evil.example/"}, headers=api_headers)
    assert created.status_code == 422
    error = created.get_json()["error"]
    assert error["field"] == "target_url" and BLOCKED in error["message"]
    link = client.post("/api/v1/links", json={"target_url": "https://example.com/"}, headers=api_headers)
    updated = client.patch(f"/api/v1/links/{link.get_json()['id']}", json={"target_url": "http://a.evil.example"},
                           headers=api_headers)
    assert updated.status_code == 422 and updated.get_json()["error"]["field"] == "target_url"
    assert targets(app) == {"https://example.com/"}


@pytest.fixture
def job_app(make_app, redis_server, real_redis):
    app = make_app(REDIS_URL=redis_server.url)
    use_redis(app, real_redis)
    return app


def test_an_import_refuses_each_blocked_row_with_its_reason(job_app, real_redis):
    client = job_app.test_client()
    actions = AuthActions(job_app, client)
    actions.create_user("alice")
    assert actions.login("alice").status_code == 302
    block(job_app, "evil.example", "example.com/free-money")
    rows = ("target,slug\nhttps://example.com/fine,fine\nhttps://evil.example/,bad1\n"
            "https://example.com/free-money?now=1,bad2\n")
    response = client.post("/links/import", data={"file": (io.BytesIO(rows.encode()), "links.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with job_app.app_context():
        InProcessWorker(["imports"], connection=real_redis).work(burst=True, with_scheduler=True)
        done = db.session.scalars(select(LinkImport)).one()
        assert (done.status, done.created_count, done.rejected_count) == ("done", 1, 2)
        reasons = {item["row"]: item["reason"] for item in done.report if "reason" in item}
    assert sorted(reasons) == [3, 4] and all(BLOCKED in reason for reason in reasons.values())
    assert targets(job_app) == {"https://example.com/fine"}
