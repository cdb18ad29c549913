"""The password reset pages of shortener/auth/routes.py: asking for a reset link,
then using it."""

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from jobs.email import send_password_reset_for
from shortener.accounts.models import PasswordResetToken
from shortener.extensions import db
from shortener.timeutil import utcnow
from tests.conftest import PASSWORD, AuthActions
from tests.helpers import (
    NEW_PASSWORD,
    email_queue,
    issue_token,
    mail_bodies,
    make_api_token,
    recorded_statements,
    sent_mails,
)


def ask_reset(client, email, **extra):
    return client.post("/auth/forgot-password", data={"email": email}, **extra)


def reset(client, token, password=NEW_PASSWORD, confirm=None):
    return client.post(f"/auth/reset-password/{token}",
                       data={"password": password, "confirm": confirm or password})


# --- asking for a reset link ------------------------------------------------------

def test_unknown_address_gets_the_same_answer(client, auth, fake_redis):
    auth.create_user("alice")
    unknown = ask_reset(client, "nobody@example.com")
    known = ask_reset(client, "alice@example.com")
    assert (unknown.status_code, unknown.headers.get("Set-Cookie")) == (200, None)
    assert (known.status_code, known.headers.get("Set-Cookie")) == (200, None)
    assert unknown.get_data() == known.get_data()
    assert "Check your email" in known.get_data(as_text=True)


def test_the_request_does_the_same_work_whether_or_not_the_address_exists(app, client, auth,
                                                                          fake_redis):
    auth.create_user("alice")
    work = {}
    for email in ("alice@example.com", "nobody@example.com"):
        before = email_queue(fake_redis).count
        with recorded_statements(app) as statements:
            ask_reset(client, email)
        work[email] = (statements, email_queue(fake_redis).count - before)
    assert work["alice@example.com"] == work["nobody@example.com"] == ([], 1)
    jobs = email_queue(fake_redis).jobs
    assert [job.func_name for job in jobs] == ["jobs.email.send_password_reset_for"] * 2
    assert [job.args for job in jobs] == [("alice@example.com",), ("nobody@example.com",)]
    assert all("example.com" not in job.description for job in jobs)


@pytest.mark.parametrize("email", ["", "not-an-email", "a\x00@example.com", "x" * 300])
def test_reset_request_with_a_malformed_address_is_a_form_error(client, fake_redis, email):
    response = ask_reset(client, email)
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    assert email_queue(fake_redis).count == 0


def test_token_is_stored_only_as_its_hash(app, client, auth, fake_redis):
    auth.create_user("alice")
    ask_reset(client, "ALICE@example.com ")
    [job] = email_queue(fake_redis).jobs
    assert job.args == ("alice@example.com",)
    with app.app_context():
        send_password_reset_for(*job.args)
    [message] = sent_mails(app)
    token = re.search(r"/auth/reset-password/([A-Za-z0-9_-]+)", mail_bodies(message)[0]).group(1)
    assert len(token) >= 43  # 32 random bytes, URL-safe
    with app.app_context():
        [stored] = db.session.scalars(select(PasswordResetToken))
        row = db.session.execute(text("SELECT * FROM password_reset_tokens")).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in [str(value) for value in row]
    expected = timedelta(seconds=app.config["PASSWORD_RESET_TTL"])
    assert stored.expires_at - stored.created_at == expected == timedelta(hours=1)


def test_reset_requests_are_throttled_per_address_and_per_ip(make_app):
    app = make_app(RATELIMIT_RESET="2 per minute")
    client = app.test_client()

    def ask(email, ip):
        return ask_reset(client, email, environ_base={"REMOTE_ADDR": ip}).status_code

    assert [ask("alice@example.com", ip) for ip in ("192.0.2.1", "192.0.2.2")] == [200, 200]
    assert ask("Alice@Example.com", "192.0.2.3") == 429  # same address, third IP
    assert [ask(f"{name}@example.com", "198.51.100.9") for name in ("bo", "cy", "di")] == [
        200, 200, 429]  # one IP, many addresses


# --- using a reset link -------------------------------------------------------------

def test_reset_sets_the_password_once_and_ends_every_session(app, client, auth, logged_in):
    token = issue_token(app, logged_in)
    stranger = app.test_client()
    page = stranger.get(f"/auth/reset-password/{token}")
    assert page.status_code == 200 and 'name="confirm"' in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"

    response = reset(stranger, token)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert stranger.get("/auth/login").status_code == 200  # the reset does not log in
    assert client.get("/auth/login").status_code == 200  # alice's old session is over
    assert auth.login("alice", PASSWORD).status_code == 200
    assert auth.login("alice", NEW_PASSWORD).status_code == 302
    assert reset(stranger, token, "yet another password").status_code == 400
    with app.app_context():
        [used] = db.session.scalars(select(PasswordResetToken))
        assert used.used_at is not None


def test_reset_ends_the_other_reset_links(app, auth):
    user_id = auth.create_user("alice")
    first, second = issue_token(app, user_id), issue_token(app, user_id)
    client = app.test_client()
    assert reset(client, second).status_code == 302
    assert reset(client, first, "yet another password").status_code == 400
    assert auth.login("alice", NEW_PASSWORD).status_code == 302


def tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize("spoil", [
    lambda token: tampered(token),
    lambda token: token[:-1],
    lambda token: token + "A",
    lambda token: token.upper(),
    lambda token: "x",
    lambda token: "%00" + token,
    lambda token: "é" * 43,
    lambda token: "A" * 5000,
])
def test_tampered_tokens_are_rejected(app, auth, spoil):
    token = issue_token(app, auth.create_user("alice"))
    client = app.test_client()
    assert client.get(f"/auth/reset-password/{spoil(token)}").status_code == 400
    assert reset(client, spoil(token)).status_code == 400
    assert auth.login("alice", PASSWORD).status_code == 302


def test_expired_token_is_rejected(app, auth):
    user_id = auth.create_user("alice")
    ttl = timedelta(seconds=app.config["PASSWORD_RESET_TTL"])
    token = issue_token(app, user_id, now=utcnow() - ttl - timedelta(seconds=1))
    client = app.test_client()
    page = client.get(f"/auth/reset-password/{token}")
    assert page.status_code == 400 and "not valid" in page.get_data(as_text=True)
    assert reset(client, token).status_code == 400
    assert auth.login("alice", PASSWORD).status_code == 302


def test_mismatched_new_passwords_leave_the_token_usable(app, auth):
    token = issue_token(app, auth.create_user("alice"))
    client = app.test_client()
    response = reset(client, token, NEW_PASSWORD, NEW_PASSWORD + "?")
    assert response.status_code == 200 and "do not match" in response.get_data(as_text=True)
    assert reset(client, token, "short").status_code == 200
    assert reset(client, token).status_code == 302


def test_reset_requests_from_other_networks_do_not_block_the_owners(make_app, fake_redis):
    app = make_app(RATELIMIT_RESET="2 per minute")
    client = app.test_client()
    for n in range(1, 6):
        ask_reset(client, "alice@example.com", environ_base={"REMOTE_ADDR": f"10.{n}.0.1"})
    owner = ask_reset(app.test_client(), "alice@example.com", environ_base={"REMOTE_ADDR": "10.9.0.1"})
    assert owner.status_code == 200 and "Check your email" in owner.get_data(as_text=True)


# --- a reset ends every credential ------------------------------------------------

def api_status(client, token: str) -> int:
    return client.get("/api/v1/links", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_reset_revokes_every_api_token(app, client, auth):
    user_id = auth.create_user("alice")
    _, api_token = make_api_token(app, user_id)
    assert api_status(client, api_token) == 200
    assert reset(app.test_client(), issue_token(app, user_id)).status_code == 302
    assert api_status(client, api_token) == 401


def test_a_reset_refuses_remember_cookies_from_before(app, auth):
    user_id = auth.create_user("alice")
    laptop = app.test_client()
    assert AuthActions(app, laptop).login("alice", remember="y").status_code == 302
    remembered = app.test_client()  # only the remember cookie, as after a browser restart
    remembered.set_cookie("remember_token", laptop.get_cookie("remember_token").value)
    assert remembered.get("/auth/login").status_code == 302
    assert reset(app.test_client(), issue_token(app, user_id)).status_code == 302
    fresh = app.test_client()
    fresh.set_cookie("remember_token", laptop.get_cookie("remember_token").value)
    assert fresh.get("/auth/login").status_code == 200
