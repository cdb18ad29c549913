"""/admin/reports (shortener/moderation/routes.py): the queue of reported links and its decisions."""

import pytest
from sqlalchemy import select

from shortener.extensions import db
from shortener.links.models import Link
from shortener.moderation import reports
from shortener.moderation.models import AuditEntry
from tests.helpers import add_link, csrf_token, login_with_csrf

NETWORKS = ("203.0.113.7", "198.51.100.7", "2001:db8:5::7")


@pytest.fixture
def reported(app, auth):
    """/alice/abc, reported from three networks (so behind the warning): its id."""
    link_id = add_link(app, auth.create_user("alice"), "abc", "https://bank.example.net/login")
    with app.app_context():
        for address in NETWORKS:
            reports.file_report(link_id, "phishing", "asks for my bank <b>password</b>", address)
    return link_id


def _link(app, link_id):
    with app.app_context():
        return db.session.get(Link, link_id)


def _actions(app):
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.admin_name, entry.action) for entry in entries]


@pytest.mark.parametrize("who", ["anonymous", "other user"])
def test_non_admins_get_404(client, auth, reported, who):
    if who == "other user":
        assert auth.login("alice").status_code == 302
    assert client.get("/admin/reports").status_code == 404
    response = client.post(f"/admin/reports/{reported}", data={"decision": "dismiss", "link-1-reason": "x"})
    assert response.status_code == 404 and _link(client.application, reported).quarantined_at is not None


def test_the_queue_shows_open_reports_escaped_and_the_nav_links_it(client, admin_logged_in, reported):
    html = client.get("/admin/reports").get_data(as_text=True)
    assert "alice/abc" in html and "3 open reports from 3 networks" in html and "Behind a warning" in html
    assert "&lt;b&gt;password&lt;/b&gt;" in html and "<b>password" not in html
    assert "203.0.113.0" in html and "203.0.113.7" not in html
    assert 'href="/admin/reports"' in client.get("/admin/links").get_data(as_text=True)


def test_dismiss_lifts_the_warning_and_is_logged(app, client, admin_logged_in, reported):
    response = client.post(f"/admin/reports/{reported}",
                           data={"decision": "dismiss", f"link-{reported}-reason": "it is the real bank"})
    assert response.status_code == 302 and response.location.endswith("/admin/reports")
    assert _link(app, reported).quarantined_at is None
    assert "No open reports" in client.get("/admin/reports").get_data(as_text=True)
    assert _actions(app) == [("(reports)", "link.quarantine"), ("boss", "link.reports_dismiss")]
    assert client.get("/alice/abc").status_code == 302


def test_disable_disables_the_link_and_is_logged(app, client, admin_logged_in, reported):
    response = client.post(f"/admin/reports/{reported}",
                           data={"decision": "disable", f"link-{reported}-reason": "phishing"})
    assert response.status_code == 302 and _link(app, reported).admin_disabled_at is not None
    assert _actions(app)[-1] == ("boss", "link.disable")
    assert client.get("/alice/abc").status_code == 410


@pytest.mark.parametrize(("data", "error"), [
    ({"decision": "dismiss"}, "Give a reason"),
    ({"decision": "nonsense", "reason": "x"}, "Choose to dismiss"),
    ({"reason": "x"}, "Choose to dismiss"),
])
def test_bad_decisions_are_form_errors(app, client, admin_logged_in, reported, data, error):
    data = {(f"link-{reported}-{k}" if k == "reason" else k): v for k, v in data.items()}
    response = client.post(f"/admin/reports/{reported}", data=data)
    assert response.status_code == 400 and error in response.get_data(as_text=True)
    assert _link(app, reported).quarantined_at is not None and len(_actions(app)) == 1


def test_a_link_without_open_reports_is_a_form_error_and_an_unknown_one_404(app, client, admin_logged_in,
                                                                              reported):
    other = add_link(app, admin_logged_in, "quiet")
    response = client.post(f"/admin/reports/{other}",
                           data={"decision": "dismiss", f"link-{other}-reason": "x"})
    assert response.status_code == 400 and "no open reports" in response.get_data(as_text=True)
    assert client.post("/admin/reports/999999", data={"decision": "dismiss"}).status_code == 404


def test_the_decision_checks_csrf(make_app, auth, make_admin):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    link_id = add_link(app, auth.create_user("alice"), "abc")
    with app.app_context():
        for address in NETWORKS:
            reports.file_report(link_id, "spam", "", address)
    auth.create_user("boss")
    make_admin("boss")
    assert login_with_csrf(client, "boss").status_code == 302
    reason = f"link-{link_id}-reason"
    unsigned = client.post(f"/admin/reports/{link_id}", data={"decision": "dismiss", reason: "x"})
    assert unsigned.status_code == 400
    page = client.get("/admin/reports").get_data(as_text=True)
    token = csrf_token(page.replace(f'name="link-{link_id}-csrf_token"', 'name="csrf_token"'))
    response = client.post(f"/admin/reports/{link_id}",
                           data={"decision": "dismiss", reason: "x", f"link-{link_id}-csrf_token": token})
    assert response.status_code == 302 and _link(app, link_id).quarantined_at is None
