"""shortener/settings/routes.py, the password page: change the password knowing the current one,
with the registration rules; every other login ends, this browser gets a fresh session."""

import re

import pytest

from shortener.accounts import users
from shortener.accounts.models import User
from shortener.extensions import db
from tests.conftest import PASSWORD, AuthActions
from tests.helpers import csrf_token, issue_token, make_api_token

NEW = "a much better passphrase"


def is_logged_in(client) -> bool:
    return client.get("/auth/login").status_code == 302


def change(client, current=PASSWORD, new=NEW, confirm=None, **extra):
    return client.post("/settings/password", data={"current_password": current, "password": new,
                                                   "confirm": new if confirm is None else confirm, **extra})


def password_is(app, user_id: int, password: str) -> bool:
    with app.app_context():
        return users.verify_password(db.session.get(User, user_id), password)


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_the_page_needs_a_login(client):
    response = client.get("/settings/password")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_page_is_linked_from_the_sessions_page_and_the_nav(client, logged_in):
    assert 'href="/settings/password"' in client.get("/settings/sessions").get_data(as_text=True)
    assert 'href="/settings/password"' in client.get("/").get_data(as_text=True)


def test_changing_ends_every_other_login_and_renews_this_one(app, client, logged_in):
    laptop = app.test_client()
    AuthActions(app, laptop).login("alice", remember="y")
    old_cookie = session_cookie(client)
    response = change(client)
    assert response.status_code == 302 and response.headers["Location"] == "/settings/sessions"
    assert password_is(app, logged_in, NEW) and not password_is(app, logged_in, PASSWORD)
    assert is_logged_in(client) and not is_logged_in(laptop)
    assert session_cookie(client) != old_cookie
    replayed = app.test_client()  # a copy of the cookie from before the change
    replayed.set_cookie("session", old_cookie)
    assert not is_logged_in(replayed)
    assert "Your password has been changed" in client.get("/settings/sessions").get_data(as_text=True)


@pytest.mark.parametrize(("data", "message"), [
    ({"current": "wrong password!"}, "That is not your current password."),
    ({"new": "password"}, "one of the most common passwords"),
    ({"new": "short"}, "at least"),
    ({"new": "alice"}, "at least"),
    ({"new": "alice@example.com"}, "cannot be your username or email"),
    ({"confirm": "something else entirely"}, "The passwords do not match."),
    ({"current": ""}, "Type your current password."),
])
def test_a_refused_change_says_why_and_changes_nothing(app, client, logged_in, data, message):
    response = change(client, **data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert password_is(app, logged_in, PASSWORD) and is_logged_in(client)


def test_guessing_the_current_password_is_throttled(make_app):
    app = make_app(RATELIMIT_LOGIN_ACCOUNT="3 per minute", RATELIMIT_LOGIN="100 per minute")
    client = app.test_client()
    actions = AuthActions(app, client)
    user_id = actions.create_user("alice")
    actions.login("alice")
    statuses = [change(client, current=f"guess {n}!").status_code for n in range(3)]
    assert statuses == [200, 200, 200]
    assert change(client).status_code == 429  # even the right one, once the limit is reached
    assert password_is(app, user_id, PASSWORD)


def test_a_right_password_gives_its_attempt_back(make_app):
    app = make_app(RATELIMIT_LOGIN_ACCOUNT="2 per minute", RATELIMIT_LOGIN="100 per minute")
    client = app.test_client()
    actions = AuthActions(app, client)
    user_id = actions.create_user("alice")
    actions.login("alice")
    assert change(client, current="a wrong guess").status_code == 200
    assert change(client, new="first new passphrase").status_code == 302
    assert change(client, current="first new passphrase").status_code == 302
    assert password_is(app, user_id, NEW)


def test_the_change_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    actions = AuthActions(app, client)
    user_id = actions.create_user("alice")
    page = client.get("/auth/login").get_data(as_text=True)
    client.post("/auth/login", data={"login": "alice", "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert is_logged_in(client)
    assert change(client).status_code == 400
    assert password_is(app, user_id, PASSWORD)
    page = client.get("/settings/password").get_data(as_text=True)
    assert change(client, csrf_token=csrf_token(page)).status_code == 302
    assert password_is(app, user_id, NEW)


# --- what else a change ends ---------------------------------------------------------------------

def api_status(client, token: str) -> int:
    return client.get("/api/v1/links", headers={"Authorization": f"Bearer {token}"}).status_code


def test_the_box_to_revoke_api_tokens_is_ticked_by_default(client, logged_in):
    page = client.get("/settings/password").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="revoke_api_tokens" type="checkbox"', page)


def test_a_change_with_the_box_ticked_revokes_every_api_token(app, client, logged_in):
    _, api_token = make_api_token(app, logged_in)
    _, other = make_api_token(app, logged_in, "backup")
    assert api_status(app.test_client(), api_token) == 200
    assert change(client, revoke_api_tokens="y").status_code == 302
    assert api_status(app.test_client(), api_token) == 401
    assert api_status(app.test_client(), other) == 401
    assert "API tokens are revoked" in client.get("/settings/sessions").get_data(as_text=True)


def test_a_change_with_the_box_unticked_keeps_the_api_tokens(app, client, logged_in):
    _, api_token = make_api_token(app, logged_in)
    assert change(client).status_code == 302  # an unticked box is not sent at all
    assert api_status(app.test_client(), api_token) == 200


def test_a_change_ends_the_reset_links_sent_before_it(app, client, logged_in):
    token = issue_token(app, logged_in)
    assert change(client).status_code == 302
    page = app.test_client().get(f"/auth/reset-password/{token}")
    assert page.status_code == 400 and "not valid" in page.get_data(as_text=True)
    stranger = app.test_client()
    assert stranger.post(f"/auth/reset-password/{token}",
                         data={"password": "an attacker's choice", "confirm": "an attacker's choice"}
                         ).status_code == 400
    assert password_is(app, logged_in, NEW)


def test_a_change_refuses_remember_cookies_from_before(app, client, logged_in):
    laptop = app.test_client()
    assert AuthActions(app, laptop).login("alice", remember="y").status_code == 302
    remember_cookie = laptop.get_cookie("remember_token").value
    assert change(client).status_code == 302
    replayed = app.test_client()
    replayed.set_cookie("remember_token", remember_cookie)
    assert not is_logged_in(replayed)
