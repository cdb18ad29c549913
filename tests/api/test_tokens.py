"""shortener/api/tokens.py: personal API tokens, stored as hashes, revocable."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from shortener.api import tokens
from shortener.api.models import ApiToken
from shortener.config import from_environ
from shortener.extensions import db

NOW = datetime(2026, 11, 20, 12, 0)


@pytest.fixture
def owner(auth):
    return auth.create_user("alice")


def test_a_new_token_is_prefixed_and_only_its_hash_is_stored(app, owner):
    with app.app_context():
        row, token = tokens.create_token(owner, "  backup script ", now=NOW)
        assert tokens.TOKEN_RE.fullmatch(token) and token.startswith("shr_")
        assert row.name == "backup script" and row.created_at == NOW and row.last_used_at is None
        stored = db.session.execute(text("SELECT * FROM api_tokens")).mappings().one()
        assert token not in {str(value) for value in stored.values()}
        assert stored["token_hash"] == tokens.hash_token(token)


def test_two_tokens_differ(app, owner):
    with app.app_context():
        assert tokens.create_token(owner, "a")[1] != tokens.create_token(owner, "b")[1]


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tab\there"])
def test_a_bad_name_is_refused(app, owner, name):
    with app.app_context(), pytest.raises(tokens.TokenError):
        tokens.create_token(owner, name)


def test_lifecycle_created_used_revoked(app, owner):
    with app.app_context():
        row, token = tokens.create_token(owner, "ci", now=NOW)
        assert tokens.authenticate(token, now=NOW + timedelta(minutes=5)).id == row.id
        assert db.session.get(ApiToken, row.id).last_used_at == NOW + timedelta(minutes=5)
        assert tokens.revoke_token(owner, row.id, now=NOW + timedelta(minutes=6))
        assert tokens.authenticate(token) is None
        assert tokens.list_tokens(owner) == []
        assert not tokens.revoke_token(owner, row.id)  # already revoked


def test_last_used_is_written_at_most_once_a_minute(app, owner):
    with app.app_context():
        row, token = tokens.create_token(owner, "ci", now=NOW)
        tokens.authenticate(token, now=NOW)
        tokens.authenticate(token, now=NOW + timedelta(seconds=59))
        assert db.session.get(ApiToken, row.id).last_used_at == NOW
        tokens.authenticate(token, now=NOW + timedelta(seconds=61))
        assert db.session.get(ApiToken, row.id).last_used_at == NOW + timedelta(seconds=61)


@pytest.mark.parametrize("garbage", ["", "shr_", "Bearer x", "shr_" + "a" * 42, "shr_" + "a" * 44,
                                     "x" * 5000])
def test_malformed_and_unknown_tokens_authenticate_nobody(app, owner, garbage):
    with app.app_context():
        tokens.create_token(owner, "ci")
        assert tokens.authenticate(garbage) is None
        assert tokens.authenticate("shr_" + "a" * 43) is None


def test_a_token_of_someone_else_cannot_be_revoked(app, auth, owner):
    bob = auth.create_user("bob")
    with app.app_context():
        row, token = tokens.create_token(owner, "ci")
        assert not tokens.revoke_token(bob, row.id)
        assert tokens.authenticate(token) is not None


def test_list_shows_the_owners_live_tokens_newest_first(app, auth, owner):
    bob = auth.create_user("bob")
    with app.app_context():
        tokens.create_token(owner, "old", now=NOW)
        tokens.create_token(owner, "new", now=NOW + timedelta(days=1))
        tokens.create_token(bob, "bobs")
        assert [row.name for row in tokens.list_tokens(owner)] == ["new", "old"]
        assert db.session.scalar(select(db.func.count()).select_from(ApiToken)) == 3


def test_a_user_has_at_most_api_tokens_max_live_tokens(make_app, auth):
    app = make_app(API_TOKENS_MAX=2)
    owner = type(auth)(app, app.test_client()).create_user("alice")
    with app.app_context():
        first, _ = tokens.create_token(owner, "one")
        tokens.create_token(owner, "two")
        with pytest.raises(tokens.TokenError, match="at most 2 API tokens"):
            tokens.create_token(owner, "three")
        assert tokens.revoke_token(owner, first.id)
        tokens.create_token(owner, "three")  # a revoked token no longer counts
        assert len(tokens.list_tokens(owner)) == 2


def test_the_token_bound_is_a_setting():
    assert from_environ({})["API_TOKENS_MAX"] == 10
    assert from_environ({"API_TOKENS_MAX": "3"})["API_TOKENS_MAX"] == 3
