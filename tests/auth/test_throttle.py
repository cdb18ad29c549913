"""shortener/auth/throttle.py against a distributed attack, on a real Redis through Flask-Limiter:
the account-global limit slows a botnet down, yet whoever proves the email, or logs in from a
browser or network the account used before, still gets in."""

import pytest

from shortener.extensions import limiter
from tests.conftest import PASSWORD, AuthActions
from tests.helpers import NEW_PASSWORD, issue_token

ATTACKER_NETWORKS = [f"203.0.{n}.9" for n in range(10, 16)]  # six /24s


@pytest.fixture
def app(make_app, redis_server, real_redis):
    limiter._storage_dead = False  # kept on the module-level Limiter across apps
    # The default limits: 30 failures per account and hour from everywhere.
    app = make_app(RATELIMIT_STORAGE_URI=redis_server.url)
    yield app
    limiter._storage_dead = False


@pytest.fixture
def alice(app) -> int:
    return AuthActions(app, app.test_client()).create_user("alice")


def attempt(client, login="alice", password="wrong password", ip="192.0.2.1"):
    return client.post("/auth/login", data={"login": login, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def attack(app) -> None:
    """30 wrong passwords, five from each of six networks: the account's hourly allowance."""
    for ip in ATTACKER_NETWORKS:
        bot = app.test_client()
        for _ in range(5):
            assert attempt(bot, ip=ip).status_code == 200


def logged_in_then_out(app, ip: str):
    client = app.test_client()
    assert attempt(client, password=PASSWORD, ip=ip).status_code == 302
    client.post("/auth/logout")
    return client


@pytest.mark.parametrize("login", ["alice", "ALICE@example.com"])
def test_the_attack_keeps_a_new_browser_on_a_new_network_out(app, alice, login):
    attack(app)
    assert attempt(app.test_client(), login, PASSWORD, ip="198.51.100.7").status_code == 429


def test_a_completed_reset_lets_that_browser_in(app, alice):
    attack(app)
    phone = app.test_client()
    token = issue_token(app, alice)
    response = phone.post(f"/auth/reset-password/{token}",
                          data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                          environ_base={"REMOTE_ADDR": "100.64.7.1"})
    assert response.status_code == 302
    assert attempt(phone, password=NEW_PASSWORD, ip="100.64.99.1").status_code == 302
    # The reset proved the email, not that every browser in the world is the owner's.
    assert attempt(app.test_client(), password=NEW_PASSWORD, ip="198.51.100.7").status_code == 429


def test_a_network_the_account_logged_in_from_lets_a_new_browser_in(app, alice):
    logged_in_then_out(app, "192.0.2.10")
    attack(app)
    new_browser = app.test_client()
    assert attempt(new_browser, "alice@example.com", PASSWORD, ip="192.0.2.200").status_code == 302


def test_a_known_device_gets_in_from_anywhere(app, alice):
    laptop = logged_in_then_out(app, "192.0.2.10")
    attack(app)
    assert attempt(laptop, password=PASSWORD, ip="198.51.100.7").status_code == 302


def test_the_attack_from_a_known_network_is_still_counted_there(app, alice):
    logged_in_then_out(app, "192.0.2.10")
    bot = app.test_client()
    for _ in range(5):  # RATELIMIT_LOGIN_ACCOUNT: 5 a minute per account and network
        assert attempt(bot, ip="192.0.2.66").status_code == 200
    assert attempt(bot, ip="192.0.2.66").status_code == 429
