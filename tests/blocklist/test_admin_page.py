"""/admin/blocklist: admins list, add (with a note) and remove entries; everyone else gets a 404."""

import pytest
from sqlalchemy import func, select

from shortener.accounts.users import find_by_username, set_admin
from shortener.blocklist import checks, manage
from shortener.blocklist.models import FILE, BlocklistEntry
from shortener.extensions import db
from tests.conftest import AuthActions
from tests.helpers import csrf_token, login_with_csrf


def promote(app, username: str) -> None:
    with app.app_context():
        set_admin(find_by_username(username), True)


@pytest.fixture
def admin(app, auth):
    auth.create_user("boss")
    promote(app, "boss")
    assert auth.login("boss").status_code == 302


def test_an_admin_adds_an_entry_with_a_note_and_sees_it_listed(app, client, admin):
    response = client.post("/admin/blocklist", data={"entry": "https://Evil.Example/", "note": "phishing"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/blocklist"
    page = client.get("/admin/blocklist").get_data(as_text=True)
    assert "Blocked evil.example" in page  # the flash
    assert 'data-entry="evil.example"' in page and "phishing" in page
    assert "Blocked by admins (1)" in page
    with app.app_context():
        assert checks.is_blocked("https://www.evil.example/")


@pytest.mark.parametrize(("entry", "message"), [
    ("", "This field is required"),
    ("ftp://evil.example", "Only http:// and https://"),
    ("evil .example", "without spaces"),
])
def test_a_bad_entry_is_a_form_error(client, admin, entry, message):
    response = client.post("/admin/blocklist", data={"entry": entry})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert "Blocked by admins (0)" in response.get_data(as_text=True)


def test_an_entry_listed_already_is_a_form_error(client, admin):
    client.post("/admin/blocklist", data={"entry": "evil.example"})
    response = client.post("/admin/blocklist", data={"entry": "*.evil.example"})
    assert "evil.example is already on the blocklist." in response.get_data(as_text=True)


def test_an_admin_removes_an_entry(app, client, admin):
    with app.app_context():
        entry_id = manage.add_entry("evil.example", None, None).id
    response = client.post(f"/admin/blocklist/{entry_id}/remove")
    assert response.status_code == 302
    page = client.get("/admin/blocklist").get_data(as_text=True)
    assert "Unblocked evil.example." in page and 'data-entry="evil.example"' not in page
    client.post(f"/admin/blocklist/{entry_id}/remove")
    assert "no longer on the blocklist" in client.get("/admin/blocklist").get_data(as_text=True)
    with app.app_context():
        assert not checks.is_blocked("https://evil.example/")


def test_the_file_s_entries_are_counted_not_listed_nor_removable(app, client, admin, tmp_path):
    path = tmp_path / "blocklist.txt"
    path.write_text("spam.example\nexample.com/free-money\n")
    app.config["BLOCKLIST_FILE"] = str(path)
    with app.app_context():
        manage.sync_file(str(path))
        first = select(func.min(BlocklistEntry.id)).where(BlocklistEntry.source == FILE)
        file_entry = db.session.scalar(first)
    page = client.get("/admin/blocklist").get_data(as_text=True)
    assert "From the operator's file (2)" in page and str(path) in page
    assert "spam.example" not in page
    client.post(f"/admin/blocklist/{file_entry}/remove")
    with app.app_context():
        assert checks.is_blocked("https://spam.example/")


@pytest.mark.parametrize("who", ["anonymous", "user"])
def test_non_admins_get_a_404_and_change_nothing(app, client, auth, who):
    with app.app_context():
        entry_id = manage.add_entry("evil.example", None, None).id
    if who == "user":
        auth.create_user("carol")
        assert auth.login("carol").status_code == 302
    assert client.get("/admin/blocklist").status_code == 404
    assert client.post("/admin/blocklist", data={"entry": "other.example"}).status_code == 404
    assert client.post(f"/admin/blocklist/{entry_id}/remove").status_code == 404
    with app.app_context():
        assert checks.is_blocked("https://evil.example/")
        assert not checks.is_blocked("https://other.example/")


def test_posts_without_the_csrf_token_are_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    AuthActions(app, client).create_user("boss")
    promote(app, "boss")
    assert login_with_csrf(client, "boss").status_code == 302
    assert client.post("/admin/blocklist", data={"entry": "evil.example"}).status_code == 400
    token = csrf_token(client.get("/admin/blocklist").get_data(as_text=True))
    with app.app_context():
        entry_id = manage.add_entry("other.example", None, None).id
    assert client.post(f"/admin/blocklist/{entry_id}/remove").status_code == 400
    added = client.post("/admin/blocklist", data={"entry": "evil.example", "csrf_token": token})
    assert added.status_code == 302
    with app.app_context():
        assert checks.is_blocked("https://evil.example/") and checks.is_blocked("https://other.example/")


def test_the_page_has_the_admin_csp_and_the_status_page_links_to_it(client, admin):
    response = client.get("/admin/blocklist")
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert 'href="/admin/blocklist"' in client.get("/admin/status").get_data(as_text=True)
