"""shortener/accounts/login_networks.py: the networks an account logged in from, bounded, hashed."""

from datetime import timedelta

from sqlalchemy import func, select

from shortener.accounts import login_networks
from shortener.accounts.models import LoginNetwork
from shortener.extensions import db
from shortener.timeutil import utcnow
from tests.conftest import AuthActions


def stored(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(LoginNetwork.network_hash)))


def test_a_remembered_network_is_known_to_its_account_only(app, auth):
    alice, bob = auth.create_user("alice"), auth.create_user("bob")
    with app.app_context():
        login_networks.remember(alice, "192.0.2.0/24")
        login_networks.remember(alice, "192.0.2.0/24")  # again: one row
        assert login_networks.is_known(alice, "192.0.2.0/24")
        assert not login_networks.is_known(alice, "192.0.3.0/24")
        assert not login_networks.is_known(bob, "192.0.2.0/24")
    assert len(stored(app)) == 1


def test_only_a_keyed_hash_of_the_network_is_stored(app, make_app, auth):
    alice = auth.create_user("alice")
    with app.app_context():
        login_networks.remember(alice, "2001:db8:1:2::/64")
    [digest] = stored(app)
    assert "2001" not in digest and len(digest) == 64
    other_key = make_app(SECRET_KEY="another-secret-key")
    with other_key.app_context():
        assert login_networks.network_hash("2001:db8:1:2::/64") != digest


def test_each_account_keeps_only_its_newest_networks(app, auth):
    alice = auth.create_user("alice")
    now = utcnow()
    with app.app_context():
        for n in range(login_networks.KEPT_PER_USER + 3):
            login_networks.remember(alice, f"10.{n}.0.0/24", now=now + timedelta(seconds=n))
        assert db.session.scalar(select(func.count()).select_from(LoginNetwork)) \
            == login_networks.KEPT_PER_USER
        assert not login_networks.is_known(alice, "10.0.0.0/24")
        assert login_networks.is_known(alice, f"10.{login_networks.KEPT_PER_USER + 2}.0.0/24")


def test_networks_unused_for_long_are_forgotten(app, auth):
    alice = auth.create_user("alice")
    long_ago = utcnow() - timedelta(days=login_networks.KEPT_DAYS, minutes=1)
    with app.app_context():
        login_networks.remember(alice, "192.0.2.0/24", now=long_ago)
        login_networks.remember(alice, "198.51.100.0/24")
        assert not login_networks.is_known(alice, "192.0.2.0/24")
        assert login_networks.delete_stale() == 1
        assert login_networks.is_known(alice, "198.51.100.0/24")


def test_nothing_is_stored_when_ips_are_dropped(make_app):
    app = make_app(IP_ANONYMIZATION="drop")
    alice = AuthActions(app, app.test_client()).create_user("alice")
    with app.app_context():
        login_networks.remember(alice, "192.0.2.0/24")
        assert not login_networks.is_known(alice, "192.0.2.0/24")
    assert stored(app) == []
