"""/admin/registration (shortener/moderation/routes.py): an admin sets the registration mode,
stored and in force at once, and the audit log lists the change; a stranger gets a 404, a broken
form an error, never a 500."""

import pytest

from shortener.accounts import registration_modes
from shortener.extensions import db
from shortener.moderation.models import AuditEntry


def mode(app):
    with app.app_context():
        return registration_modes.current()


def test_the_page_says_the_default_applies(client, admin_logged_in):
    page = client.get("/admin/registration").get_data(as_text=True)
    assert "Registration is <strong>verified</strong>" in page and "REGISTRATION" in page


def test_an_admin_closes_registration(app, client, admin_logged_in):
    response = client.post("/admin/registration", data={"mode": "closed"})
    assert response.status_code == 302
    assert mode(app) == "closed"
    page = client.get("/admin/registration").get_data(as_text=True)
    assert "Registration is <strong>closed</strong>" in page and "boss" in page  # the history
    client.post("/auth/logout")
    assert "Registration is closed" in client.get("/auth/register").get_data(as_text=True)


def audit_rows(app):
    with app.app_context():
        return [(e.admin_name, e.action, e.subject_type, e.subject_label, e.reason)
                for e in db.session.scalars(db.select(AuditEntry))]


def test_a_change_writes_one_audit_entry_with_the_admin_the_modes_and_the_reason(
        app, client, admin_logged_in):
    client.post("/admin/registration", data={"mode": "closed", "reason": "spam wave"})
    assert audit_rows(app) == [("boss", "registration.mode", "site",
                                "registration: verified → closed", "spam wave")]
    log = client.get("/admin/audit").get_data(as_text=True)
    assert 'data-action="registration.mode"' in log and "registration: verified → closed" in log


def test_the_reason_is_optional(app, client, admin_logged_in):
    assert client.post("/admin/registration", data={"mode": "open"}).status_code == 302
    assert audit_rows(app) == [("boss", "registration.mode", "site", "registration: verified → open", "")]


def test_no_change_no_audit_entry(app, client, admin_logged_in):
    assert client.post("/admin/registration", data={"mode": "verified", "reason": "x"}).status_code == 302
    assert audit_rows(app) == []


def test_a_reason_too_long_is_a_form_error(app, client, admin_logged_in):
    response = client.post("/admin/registration", data={"mode": "closed", "reason": "x" * 501})
    assert response.status_code == 200
    assert "Keep the reason to 500 characters" in response.get_data(as_text=True)
    assert mode(app) == "verified" and audit_rows(app) == []


@pytest.mark.parametrize("value", ["sometimes", ""])
def test_an_unknown_mode_is_a_form_error(app, client, admin_logged_in, value):
    response = client.post("/admin/registration", data={"mode": value})
    assert response.status_code == 200 and 'class="error"' in response.get_data(as_text=True)
    assert mode(app) == "verified"


def test_a_non_admin_cannot_change_it(app, client, auth):
    auth.create_user("alice")
    auth.login("alice")
    assert client.post("/admin/registration", data={"mode": "open"}).status_code == 404
    assert mode(app) == "verified"


def test_the_status_page_links_to_it(client, admin_logged_in):
    assert "/admin/registration" in client.get("/admin/status").get_data(as_text=True)
