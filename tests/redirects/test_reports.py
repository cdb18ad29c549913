"""The public side of reports: /+report, the quarantine warning and its /+continue."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from shortener.accounts.models import User
from shortener.accounts.users import hash_password
from shortener.extensions import db
from shortener.links import lookup
from shortener.links.models import Link
from shortener.moderation import reports
from shortener.moderation.models import Report
from shortener.timeutil import utcnow
from tests.helpers import add_link, counts, csrf_token, recorded_statements
from tests.redirects.test_disabled import FakeClock

WARNING = "This link was reported"
NETWORKS = ("203.0.113.7", "198.51.100.7", "2001:db8:5::7")


def _post(client, path, address, **data):
    return client.post(path, data={"category": "phishing", **data}, environ_base={"REMOTE_ADDR": address})


def _quarantine(app, link_id):
    with app.app_context():
        for address in NETWORKS:
            reports.file_report(link_id, "phishing", "", address)


def _stored(app):
    with app.app_context():
        return [(r.category, r.details, r.network) for r in db.session.scalars(select(Report))]


@pytest.mark.parametrize("columns", [{}, {"is_active": False}, {"admin_disabled_at": utcnow()},
                                     {"expires_at": utcnow() - timedelta(days=1)}])
def test_any_existing_link_can_be_reported(app, client, auth, columns):
    add_link(app, auth.create_user("bob"), "go", **columns)
    page = client.get("/bob/go/+report")
    assert page.status_code == 200 and "Report this link" in page.get_data(as_text=True)
    response = _post(client, "/BOB/go/+report", "203.0.113.9", details="a fake login page")
    assert response.status_code == 303 and response.location.endswith("/BOB/go/+report/thanks")
    assert "Thank you" in client.get(response.location).get_data(as_text=True)
    assert _stored(app) == [("phishing", "a fake login page", "203.0.113.0")]


@pytest.mark.parametrize("path", ["/bob/nothing/+report", "/nobody/go/+report",
                                  "/bob/nothing/+report/thanks"])
def test_unknown_links_are_404(app, client, auth, path):
    add_link(app, auth.create_user("bob"), "go")
    assert client.get(path).status_code == 404
    assert _post(client, path.removesuffix("/thanks"), "203.0.113.9").status_code == 404


@pytest.mark.parametrize(("data", "error"), [({"category": "lies"}, "Not a valid choice"),
                                             ({"details": "x" * 501}, "Keep the details to 500")])
def test_bad_reports_are_a_form_error(app, client, auth, data, error):
    add_link(app, auth.create_user("bob"), "go")
    response = _post(client, "/bob/go/+report", "203.0.113.9", **data)
    assert response.status_code == 400 and error in response.get_data(as_text=True)
    assert _stored(app) == []


def test_reports_are_throttled_per_address(make_app, auth):
    app = make_app(RATELIMIT_REPORT="2 per minute")
    client = app.test_client()
    add_link(app, auth.create_user("bob"), "go")
    assert [_post(client, "/bob/go/+report", "203.0.113.9").status_code for _ in range(3)] == [303, 303, 429]
    assert client.get("/bob/go/+report", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200
    assert _post(client, "/bob/go/+report", "198.51.100.9").status_code == 303
    assert len(_stored(app)) == 3


def test_the_forms_need_their_csrf_token(make_app, auth):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    link_id = add_link(app, auth.create_user("bob"), "go")
    assert _post(client, "/bob/go/+report", "203.0.113.9").status_code == 400
    assert _stored(app) == []
    token = csrf_token(client.get("/bob/go/+report").get_data(as_text=True))
    assert _post(client, "/bob/go/+report", "203.0.113.9", csrf_token=token).status_code == 303
    _quarantine(app, link_id)
    assert client.post("/bob/go/+continue").status_code == 400
    assert counts(app, link_id)[0] == 0
    token = csrf_token(client.get("/bob/go").get_data(as_text=True))
    response = client.post("/bob/go/+continue", data={"csrf_token": token})
    assert response.status_code == 200
    assert 'content="0;url=https://example.com/"' in response.get_data(as_text=True)
    assert counts(app, link_id)[0] == 1


def test_a_quarantined_link_warns_and_continue_goes_on_and_counts(app, client, auth):
    link_id = add_link(app, auth.create_user("bob"), "go", "https://shop.example.org/deal",
                       forward_query=True)
    _quarantine(app, link_id)
    page = client.get("/bob/go?ref=mail")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and WARNING in html and "Continue to shop.example.org?" in html
    assert 'action="/bob/go/+continue?ref=mail"' in html and 'href="/bob/go/+report"' in html
    assert client.get("/bob/go/q").status_code == 200 and client.head("/bob/go").status_code == 200
    assert counts(app, link_id)[0] == 0
    response = client.post("/bob/go/+continue?ref=mail")
    assert "url=https://shop.example.org/deal?ref=mail" in response.get_data(as_text=True)
    assert counts(app, link_id)[0] == 1
    assert client.post("/bob/nothing/+continue").status_code == 404


def test_a_quarantined_link_with_a_password_asks_for_it_first(app, client, auth):
    link_id = add_link(app, auth.create_user("bob"), "vault", password_hash=hash_password("open sesame"))
    _quarantine(app, link_id)
    assert "This link is protected" in client.get("/bob/vault").get_data(as_text=True)
    unlocked = client.post("/bob/vault", data={"password": "open sesame"})
    assert WARNING in unlocked.get_data(as_text=True) and counts(app, link_id)[0] == 0
    # The password's cookie covers /+continue: the warning's answer needs no second password.
    response = client.post("/bob/vault/+continue")
    assert "url=https://example.com/" in response.get_data(as_text=True) and counts(app, link_id)[0] == 1


def test_the_refusal_pages_link_to_the_report_form(app, client, auth):
    bob = auth.create_user("bob")
    add_link(app, bob, "vault", password_hash=hash_password("open sesame"))
    add_link(app, bob, "used", click_limit=1, click_count=1)
    add_link(app, bob, "off", admin_disabled_at=utcnow())
    for path in ("/bob/vault", "/bob/used", "/bob/off", "/bob/nothing"):
        assert f'href="{path}/+report"' in client.get(path).get_data(as_text=True), path


def test_the_warning_shows_through_the_real_redirect_once_the_cache_lifetime_is_over(make_app, auth,
                                                                                     monkeypatch):
    app = make_app(LINK_CACHE_SECONDS=2)
    clock = FakeClock()
    monkeypatch.setattr(lookup.time, "monotonic", clock)
    client = app.test_client()
    link_id = add_link(app, auth.create_user("bob"), "go")
    assert client.get("/bob/go").status_code == 302
    _quarantine(app, link_id)
    assert client.get("/bob/go").status_code == 302  # within the cache's lifetime: as it was
    clock.now += 3
    assert WARNING in client.get("/bob/go").get_data(as_text=True)
    with recorded_statements(app) as statements:
        assert WARNING in client.get("/bob/go").get_data(as_text=True)
    assert statements == []  # the quarantine rides in the cached row: no query of its own
    with app.app_context():
        reports.dismiss(db.session.get(User, auth.create_user("boss")), db.session.get(Link, link_id), "fine")
    clock.now += 3
    assert client.get("/bob/go").status_code == 302
