"""shortener/accounts/reset_tokens.py: issue, check, redeem once, clean up; no HTTP involved."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from shortener.accounts import reset_tokens, user_sessions
from shortener.accounts import users as accounts
from shortener.accounts.models import PasswordResetToken, User
from shortener.extensions import db
from shortener.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.helpers import NEW_PASSWORD


@pytest.fixture
def ctx(app, auth):
    """An app context and a user alice; yields alice."""
    user_id = auth.create_user("alice")
    with app.app_context():
        yield db.session.get(User, user_id)


def stored(token: str) -> PasswordResetToken:
    token_hash = reset_tokens.hash_token(token)
    return db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash)
    )


def test_tokens_are_random_url_safe_and_stored_hashed(ctx):
    tokens = {reset_tokens.issue(ctx) for _ in range(5)}
    assert len(tokens) == 5
    for token in tokens:
        assert reset_tokens.TOKEN_RE.fullmatch(token)
        assert stored(token).token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not set(db.session.scalars(select(PasswordResetToken.token_hash))) & tokens


def test_token_expires_after_the_configured_ttl(app, ctx):
    app.config["PASSWORD_RESET_TTL"] = 600
    issued_at = utcnow()
    token = reset_tokens.issue(ctx, now=issued_at)
    assert reset_tokens.find_valid(token, now=issued_at + timedelta(seconds=599))
    assert reset_tokens.find_valid(token, now=issued_at + timedelta(seconds=600)) is None


def test_redeem_sets_the_password_once(ctx):
    token = reset_tokens.issue(ctx)
    login = user_sessions.start(ctx, remember=True)
    assert reset_tokens.redeem(token, NEW_PASSWORD).id == ctx.id
    assert accounts.verify_password(ctx, NEW_PASSWORD)
    assert not accounts.verify_password(ctx, PASSWORD)
    assert user_sessions.load(login) is None
    with pytest.raises(reset_tokens.InvalidToken):
        reset_tokens.redeem(token, "yet another password")


def test_a_rejected_password_keeps_the_token_and_the_old_password(ctx):
    token = reset_tokens.issue(ctx)
    with pytest.raises(accounts.AccountError):
        reset_tokens.redeem(token, "short")
    assert reset_tokens.find_valid(token) is not None
    assert accounts.verify_password(ctx, PASSWORD)


def test_redeem_invalidates_the_other_tokens_of_the_user_only(ctx, auth):
    bob = db.session.get(User, auth.create_user("bob"))
    first, second = reset_tokens.issue(ctx), reset_tokens.issue(ctx)
    bobs = reset_tokens.issue(bob)
    reset_tokens.redeem(second, NEW_PASSWORD)
    assert reset_tokens.find_valid(first) is None
    assert reset_tokens.find_valid(bobs) is not None


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "A" * 44, "é" * 43, "a\x00" * 20,
                                   "A" * 10_000])
def test_unknown_or_malformed_tokens_are_invalid(ctx, token):
    assert reset_tokens.find_valid(token) is None
    with pytest.raises(reset_tokens.InvalidToken):
        reset_tokens.redeem(token, NEW_PASSWORD)


def test_only_expired_and_used_tokens_are_deleted(ctx):
    now = utcnow()
    keep = reset_tokens.issue(ctx, now=now)
    expired = reset_tokens.issue(ctx, now=now - timedelta(hours=2))
    used = reset_tokens.issue(ctx, now=now)
    stored(used).used_at = now
    db.session.commit()
    assert reset_tokens.delete_expired_and_used(now) == 2
    assert stored(keep) is not None
    assert stored(expired) is None and stored(used) is None


def test_issue_for_an_unknown_address_stores_nothing(ctx):
    assert reset_tokens.issue_for("nobody@example.com") is None
    assert db.session.scalar(select(PasswordResetToken)) is None
