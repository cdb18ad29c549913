"""Registration in shortener/auth/routes.py never says whether an email has an account: both
answers are "check your email"; the mail (a confirmation link, or a note to the owner that
someone tried) goes through the email queue, and the account exists once the link is used."""

import re

import pytest
from sqlalchemy import select

from jobs.email import send_registration_email
from shortener.accounts.models import User
from shortener.extensions import db
from tests.conftest import PASSWORD, AuthActions
from tests.helpers import csrf_token, email_queue, mail_bodies, register, run_jobs, sent_mails

CSRF = re.compile(r'name="csrf_token" type="hidden" value="[^"]+"')


def usernames(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(User.username).order_by(User.id)))


def without_csrf(page: str) -> str:
    return CSRF.sub("", page)


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def register_with_csrf(client, username, email):
    token = csrf_token(client.get("/auth/register").get_data(as_text=True))
    return client.post("/auth/register", data={"username": username, "email": email,
                                               "password": PASSWORD, "confirm": PASSWORD,
                                               "csrf_token": token})


def test_a_taken_email_gets_the_same_answer_as_a_new_one(csrf_app, fake_redis):
    AuthActions(csrf_app, csrf_app.test_client()).create_user("alice")
    taken = register_with_csrf(csrf_app.test_client(), "bob", "Alice@Example.com")
    new = register_with_csrf(csrf_app.test_client(), "carol", "carol@example.com")
    assert taken.status_code == new.status_code == 200
    assert without_csrf(taken.get_data(as_text=True)) == without_csrf(new.get_data(as_text=True))
    assert "already exists" not in taken.get_data(as_text=True)
    assert "Check your email" in taken.get_data(as_text=True)
    assert usernames(csrf_app) == ["alice"]  # no account until the link is used
    jobs = email_queue(fake_redis).jobs
    assert [job.func_name for job in jobs] == ["jobs.email.send_registration_email"] * 2


def test_the_owner_of_a_taken_email_is_told_someone_tried(app, client, auth, fake_redis):
    auth.create_user("alice")
    assert register(client, "bob", email="alice@example.com").status_code == 200
    run_jobs(app, fake_redis, "email")
    [message] = sent_mails(app)
    assert message["To"] == "alice@example.com"
    plain, html = mail_bodies(message)
    assert "tried to register" in plain and "alice" in plain
    assert "http://sho.rt.test/auth/login" in plain and "http://sho.rt.test/auth/forgot-password" in plain
    assert "bob" not in plain + html  # the stranger's chosen name is theirs, not alice's business
    assert usernames(app) == ["alice"]


def test_a_new_email_gets_a_link_that_creates_the_account(app, client, fake_redis):
    assert register(client, "bob").status_code == 200
    assert client.get("/auth/login").status_code == 200  # not logged in yet
    assert usernames(app) == []
    run_jobs(app, fake_redis, "email")
    [message] = sent_mails(app)
    assert message["To"] == "bob@example.com"
    plain, _html = mail_bodies(message)
    link = re.search(r"http://sho\.rt\.test(/auth/register/confirm/[A-Za-z0-9_-]+)", plain).group(1)
    page = client.get(link)
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert usernames(app) == []  # a mail scanner's GET creates nothing
    response = client.post(link)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert usernames(app) == ["bob"]
    assert "Welcome, bob!" in client.get("/").get_data(as_text=True)
    assert app.test_client().post(link).status_code == 400  # once


def test_the_job_of_a_pending_registration_that_expired_sends_nothing(app, fake_redis):
    with app.app_context():
        send_registration_email(12345)
    assert sent_mails(app) == []


def test_a_username_taken_meanwhile_is_refused_at_the_link(app, client, auth, fake_redis):
    register(client, "bob", email="bob1@example.com")
    run_jobs(app, fake_redis, "email")
    plain, _ = mail_bodies(sent_mails(app)[0])
    link = re.search(r"(/auth/register/confirm/[A-Za-z0-9_-]+)", plain).group(1)
    auth.create_user("bob", "bob2@example.com")
    response = client.post(link)
    assert response.status_code == 409 and "taken" in response.get_data(as_text=True)
    assert usernames(app) == ["bob"]


@pytest.mark.parametrize("token", ["x", "A" * 43, "A" * 5000])
def test_an_unknown_link_is_the_invalid_page(client, token):
    assert client.get(f"/auth/register/confirm/{token}").status_code == 400
    assert client.post(f"/auth/register/confirm/{token}").status_code == 400


def test_an_owner_gets_at_most_the_capped_number_of_notes(make_app, fake_redis, caplog):
    app = make_app(RATELIMIT_RESET_MAIL="2 per hour")
    AuthActions(app, app.test_client()).create_user("alice")
    for n in range(4):
        assert register(app.test_client(), f"bob{n}", email="alice@example.com").status_code == 200
    run_jobs(app, fake_redis, "email")
    assert len(sent_mails(app)) == 2
    assert "over RATELIMIT_RESET_MAIL" in caplog.text
