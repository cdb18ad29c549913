"""shortener/settings/routes.py, the sessions page: the logins of the account, each one
revocable, and "log out everywhere else"."""

import re

from shortener.accounts import user_sessions
from shortener.accounts.models import UserSession
from shortener.extensions import db
from tests.conftest import AuthActions
from tests.helpers import csrf_token, sign_in


def is_logged_in(client) -> bool:
    return client.get("/auth/login").status_code == 302


def session_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'action="/settings/sessions/(\d+)/revoke"', page)]


def test_sessions_page_needs_a_login(client):
    response = client.get("/settings/sessions")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_sessions_page_lists_the_live_logins(app, client, logged_in):
    laptop = app.test_client()
    AuthActions(app, laptop).login("alice", remember="y")
    page = client.get("/settings/sessions").get_data(as_text=True)
    assert len(session_ids(page)) == 2
    assert "this device" in page and "(remembered)" in page


def test_revoking_another_login_logs_that_device_out(app, client, logged_in):
    laptop = app.test_client()
    AuthActions(app, laptop).login("alice")
    page = client.get("/settings/sessions").get_data(as_text=True)
    with app.app_context():
        current = [row.id for row in db.session.query(UserSession)
                   if user_sessions.is_current(row, _session_id(client))]
    [other] = [n for n in session_ids(page) if n not in current]
    response = client.post(f"/settings/sessions/{other}/revoke")
    assert response.status_code == 302
    assert not is_logged_in(laptop) and is_logged_in(client)


def test_revoking_this_login_logs_out(app, client, logged_in):
    [only] = session_ids(client.get("/settings/sessions").get_data(as_text=True))
    response = client.post(f"/settings/sessions/{only}/revoke")
    assert response.headers["Location"] == "/auth/login"
    assert not is_logged_in(client)


def test_someone_elses_login_is_not_found(app, client, auth, logged_in):
    bob_id = auth.create_user("bob")
    bob = app.test_client()
    sign_in(app, bob, bob_id)
    [bobs] = session_ids(bob.get("/settings/sessions").get_data(as_text=True))
    assert client.post(f"/settings/sessions/{bobs}/revoke").status_code == 404
    assert is_logged_in(bob)


def test_log_out_everywhere_else(app, client, logged_in):
    devices = [app.test_client() for _ in range(2)]
    for device in devices:
        AuthActions(app, device).login("alice", remember="y")
    response = client.post("/settings/sessions/revoke-others")
    assert response.status_code == 302
    assert "2 sessions" in client.get("/settings/sessions").get_data(as_text=True)
    assert [is_logged_in(device) for device in devices] == [False, False]
    assert is_logged_in(client)


def test_revoking_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    user_id = AuthActions(app, client).create_user("alice")
    sign_in(app, client, user_id)
    page = client.get("/settings/sessions").get_data(as_text=True)
    [only] = session_ids(page)
    assert client.post(f"/settings/sessions/{only}/revoke").status_code == 400
    assert client.post("/settings/sessions/revoke-others").status_code == 400
    assert is_logged_in(client)
    response = client.post(f"/settings/sessions/{only}/revoke", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and not is_logged_in(client)


def _session_id(client) -> str:
    with client.session_transaction() as session:
        return session["_user_id"]
