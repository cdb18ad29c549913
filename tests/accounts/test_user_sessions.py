"""shortener/accounts/user_sessions.py: logins kept on the server."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from shortener.accounts import user_sessions
from shortener.accounts import users as accounts
from shortener.accounts.models import UserSession
from shortener.extensions import db
from shortener.timeutil import utcnow
from tests.conftest import PASSWORD


@pytest.fixture
def alice(app):
    with app.app_context():
        yield accounts.create_user("alice", "alice@example.com", PASSWORD)


def test_only_the_hash_of_the_id_is_stored(alice):
    token = user_sessions.start(alice, remember=False)
    [row] = db.session.scalars(select(UserSession))
    assert row.token_hash == user_sessions.hash_token(token) and token not in row.token_hash
    assert alice.get_id() == token


@pytest.mark.parametrize("token", ["", "1:1", "x" * 43, "a" * 44, None, "é" * 43])
def test_unknown_or_malformed_ids_name_nobody(alice, token):
    user_sessions.start(alice, remember=False)
    assert user_sessions.load(token) is None


def test_a_revoked_login_names_nobody(alice):
    token = user_sessions.start(alice, remember=False)
    assert user_sessions.load(token).id == alice.id
    user_sessions.revoke(token)
    assert user_sessions.load(token) is None


@pytest.mark.parametrize("remember, idle", [(False, timedelta(hours=24)), (True, timedelta(days=14))])
def test_an_idle_login_ends(alice, remember, idle):
    token = user_sessions.start(alice, remember=remember)
    started = utcnow()
    assert user_sessions.load(token, now=started + idle - timedelta(minutes=1)) is not None
    # That use moved last_seen_at on: the idle time counts from it.
    assert user_sessions.load(token, now=started + idle + timedelta(minutes=2)) is not None
    assert user_sessions.load(token, now=started + 3 * idle) is None


def test_delete_ended_keeps_live_logins(alice):
    live = user_sessions.start(alice, remember=True)
    user_sessions.revoke(user_sessions.start(alice, remember=False))
    assert user_sessions.delete_ended() == 1
    assert user_sessions.load(live) is not None


@pytest.mark.parametrize("agent, summary", [
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Linux"),
    ("curl/8.5.0", "curl"),
    ("", None),
    (None, None),
    ("\ud800 weird \x00", "Unknown browser"),
])
def test_user_agent_summary(agent, summary):
    assert user_sessions.summarize_user_agent(agent) == summary
