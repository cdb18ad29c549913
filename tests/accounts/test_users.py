"""shortener/accounts/users.py: the account rules, password hashing, lookup."""

import pytest
from sqlalchemy import select

from shortener.accounts import user_sessions
from shortener.accounts import users as accounts
from shortener.accounts.models import User
from shortener.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def test_create_user_stores_names_lowercase_and_only_a_hash(ctx):
    user = accounts.create_user(" Alice ", "Alice@Example.COM ", PASSWORD)
    assert (user.username, user.email) == ("alice", "alice@example.com")
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("username, email, password, field", [
    ("ab", "ab@example.com", PASSWORD, "username"),
    ("has space", "s@example.com", PASSWORD, "username"),
    ("auth", "auth@example.com", PASSWORD, "username"),
    ("ADMIN", "admin@example.com", PASSWORD, "username"),
    ("alice", "other@example.com", PASSWORD, "username"),
    ("Alice", "other@example.com", PASSWORD, "username"),
    ("bob", "ALICE@example.com", PASSWORD, "email"),
    ("bob", "bob@example.com", "seven77", "password"),
    ("bob", "bob@example.com", "x" * (accounts.PASSWORD_MAX_LENGTH + 1), "password"),
])
def test_create_user_refuses_broken_rules(ctx, username, email, password, field):
    accounts.create_user("alice", "alice@example.com", PASSWORD)
    with pytest.raises(accounts.AccountError) as error:
        accounts.create_user(username, email, password)
    assert error.value.field == field
    assert db.session.scalars(select(User.username)).all() == ["alice"]


@pytest.mark.parametrize("name", ["auth", "links", "static", "api", "admin", "healthz", "readyz",
                                  "settings", "you", "root", "support", "security", "postmaster",
                                  "abuse", "well-known", "hostmaster", "webmaster"])
def test_the_site_own_path_names_and_well_known_names_are_reserved(ctx, name):
    assert name in accounts.reserved_usernames()
    assert "reserved" in accounts.username_problem(name)


def test_every_first_path_segment_of_the_site_is_reserved(app):
    with app.app_context():
        reserved = accounts.reserved_usernames()
    for rule in app.url_map.iter_rules():
        segment = rule.rule.strip("/").split("/")[0]
        if segment and "<" not in segment:
            assert segment in reserved, rule.rule


def test_a_page_added_later_is_reserved_too(make_app):
    app = make_app()
    app.add_url_rule("/pricing", "pricing", lambda: "")
    with app.app_context():
        assert "reserved" in accounts.username_problem("pricing")


@pytest.mark.parametrize("login", ["alice", "ALICE", " alice ", "alice@example.com",
                                   "ALICE@EXAMPLE.COM"])
def test_find_by_login_takes_username_or_email(ctx, login):
    user = accounts.create_user("alice", "alice@example.com", PASSWORD)
    assert accounts.find_by_login(login).id == user.id


def test_verify_password(ctx):
    user = accounts.create_user("alice", "alice@example.com", PASSWORD)
    assert accounts.verify_password(user, PASSWORD)
    assert not accounts.verify_password(user, PASSWORD.upper())
    assert not accounts.verify_password(None, PASSWORD)


def test_set_password_ends_every_login(ctx):
    user = accounts.create_user("alice", "alice@example.com", PASSWORD)
    logins = [user_sessions.start(user, remember) for remember in (False, True)]
    accounts.set_password(user, "a whole new passphrase")
    assert [user_sessions.load(token) for token in logins] == [None, None]
    assert accounts.verify_password(user, "a whole new passphrase")
    login = user_sessions.start(user, False)
    with pytest.raises(accounts.AccountError):
        accounts.set_password(user, "short")
    assert user_sessions.load(login) is not None  # a refused password ends nothing


# --- password rules (NIST SP 800-63B) -------------------------------------------------

@pytest.mark.parametrize("password, fragment", [
    ("short", "at least 8"),
    ("password", "most common"),
    ("PassWord", "most common"),
    ("12345678", "most common"),
    ("qwertyuiop", "most common"),
    (" " * 8, "repeated"),
    ("aaaaaaaaaaaa", "repeated"),
    ("alice_in_chains", "username or email"),
    ("ALICE_IN_CHAINS", "username or email"),
    ("Alice@Example.com", "username or email"),
    ("p" * 1025, "at most"),
])
def test_weak_passwords_are_refused(password, fragment):
    problem = accounts.password_problem(password, "alice_in_chains", "alice@example.com")
    assert problem is not None and fragment in problem.lower()


@pytest.mark.parametrize("password", [
    "correct horse battery", "12345678 is my number", "two  spaces  inside", "Tr0ub4dor&3x", "éèêëēėę!",
])
def test_long_uncommon_passwords_are_accepted_whatever_they_contain(password):
    assert accounts.password_problem(password, "alice_in_chains", "alice@example.com") is None


def test_the_common_password_list_is_large():
    assert len(accounts.common_passwords()) >= 10_000


def test_set_password_refuses_the_username(ctx):
    user = accounts.create_user("alice_in_chains", "alice@example.com", PASSWORD)
    with pytest.raises(accounts.AccountError, match="username or email"):
        accounts.set_password(user, "Alice_In_Chains")
