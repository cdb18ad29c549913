"""The sign-up pages in each registration mode (shortener/auth/routes.py over
shortener/accounts/registrations.py): closed makes no account, invite asks for a code and claims
it with the account, open makes the account at once and mails a link that proves the address."""

import re

from sqlalchemy import select

from shortener.accounts import invites, registration_modes
from shortener.accounts.models import Invite, User
from shortener.accounts.users import set_admin
from shortener.extensions import db
from tests.conftest import AuthActions
from tests.helpers import mail_bodies, register, run_jobs, sent_mails


def set_mode(app, mode):
    with app.app_context():
        registration_modes.set_mode(mode, None)


def usernames(app):
    with app.app_context():
        return list(db.session.scalars(select(User.username).order_by(User.id)))


def mailed_path(app, fake_redis, pattern):
    run_jobs(app, fake_redis, "email")
    plain, _html = mail_bodies(sent_mails(app)[-1])
    return re.search(rf"http://sho\.rt\.test({pattern}[A-Za-z0-9_.-]+)", plain).group(1)


def new_code(app, admin_id):
    with app.app_context():
        admin = db.session.get(User, admin_id)
        set_admin(admin, True)
        return invites.create(admin)


# --- closed ------------------------------------------------------------------------------------

def test_closed_shows_no_form_and_refuses_a_post(app, client):
    set_mode(app, "closed")
    page = client.get("/auth/register")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Registration is closed" in text and 'name="password"' not in text
    assert register(client, "bob").status_code == 403
    assert usernames(app) == []


def test_closing_stops_the_links_already_mailed(app, client, fake_redis):
    assert register(client, "bob").status_code == 200
    path = mailed_path(app, fake_redis, "/auth/register/confirm/")
    set_mode(app, "closed")
    response = client.post(path)
    assert response.status_code == 403 and "Registration is closed" in response.get_data(as_text=True)
    assert usernames(app) == []


def test_existing_users_log_in_when_closed(app, auth):
    set_mode(app, "closed")
    auth.create_user("alice")
    assert auth.login("alice").status_code == 302


# --- invite ------------------------------------------------------------------------------------

def test_invite_mode_asks_for_a_code_and_refuses_a_wrong_one(app, client):
    set_mode(app, "invite")
    assert 'name="invite_code"' in client.get("/auth/register").get_data(as_text=True)
    for code in ("", "not-a-code"):
        response = register(client, "bob", invite_code=code)
        assert response.status_code == 200
        assert "invite code is unknown, used or expired" in response.get_data(as_text=True)


def test_an_invite_makes_one_account_and_says_who_used_it(app, client, fake_redis):
    admin = AuthActions(app, client).create_user("boss")
    set_mode(app, "invite")
    code = new_code(app, admin)
    assert register(client, "bob", invite_code=code).status_code == 200
    assert register(app.test_client(), "carol", invite_code=code).status_code == 200  # not used yet
    run_jobs(app, fake_redis, "email")
    plain = [mail_bodies(message)[0] for message in sent_mails(app)]
    carol_link = re.search(r"(/auth/register/confirm/[A-Za-z0-9_-]+)",
                           next(text for text in plain if "carol" in text)).group(1)
    bob_link = re.search(r"(/auth/register/confirm/[A-Za-z0-9_-]+)",
                         next(text for text in plain if "bob" in text)).group(1)
    assert client.post(bob_link).status_code == 302
    refused = app.test_client().post(carol_link)
    assert refused.status_code == 409 and "invite code" in refused.get_data(as_text=True)
    assert usernames(app) == ["boss", "bob"]
    with app.app_context():
        invite = db.session.scalars(select(Invite)).one()
        assert invite.created_by_id == admin
        assert invite.used_by_id == db.session.scalar(select(User.id).where(User.username == "bob"))


def test_a_sign_up_without_a_code_cannot_finish_once_invites_are_needed(app, client, fake_redis):
    assert register(client, "bob").status_code == 200
    path = mailed_path(app, fake_redis, "/auth/register/confirm/")
    set_mode(app, "invite")
    assert client.post(path).status_code == 409
    assert usernames(app) == []


# --- open --------------------------------------------------------------------------------------

def test_open_makes_the_account_at_once_unverified(app, client, fake_redis):
    set_mode(app, "open")
    response = register(client, "bob")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Your address is not confirmed yet" in page
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at)) is None


def test_open_mode_tells_a_taken_email(app, client, auth):
    auth.create_user("alice")
    set_mode(app, "open")
    response = register(client, "bob", email="alice@example.com")
    assert response.status_code == 200 and "already exists" in response.get_data(as_text=True)


def test_the_mailed_link_confirms_the_address_after_a_button(app, client, fake_redis):
    set_mode(app, "open")
    register(client, "bob")
    path = mailed_path(app, fake_redis, "/auth/verify-email/")
    assert client.get(path).status_code == 200  # a mail scanner's GET changes nothing
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at)) is None
    response = client.post(path)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at)) is not None
    assert "not confirmed yet" not in client.get("/").get_data(as_text=True)


def test_a_broken_verification_link_is_a_400(client):
    assert client.get("/auth/verify-email/nonsense").status_code == 400
    assert client.post("/auth/verify-email/" + "x" * 300).status_code == 400


def test_resend_mails_a_new_link(app, client, fake_redis):
    set_mode(app, "open")
    register(client, "bob")
    run_jobs(app, fake_redis, "email")
    assert len(sent_mails(app)) == 1
    assert client.post("/auth/verify-email").status_code == 302
    run_jobs(app, fake_redis, "email")
    assert len(sent_mails(app)) == 2


def test_a_link_for_an_address_changed_since_is_worthless(app, client, fake_redis):
    set_mode(app, "open")
    register(client, "bob")
    path = mailed_path(app, fake_redis, "/auth/verify-email/")
    with app.app_context():
        db.session.scalar(select(User)).email = "new@example.com"
        db.session.commit()
    assert client.post(path).status_code == 400
