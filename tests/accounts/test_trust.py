"""shortener/accounts/trust.py: a confirmed address and TRUST_AFTER_DAYS of age, or an admin."""

from datetime import datetime, timedelta

import pytest

from shortener.accounts.models import User
from shortener.accounts.trust import is_trusted

NOW = datetime(2026, 12, 3, 12, 0)


@pytest.mark.parametrize("age_days, verified, admin, trusted", [
    (8, True, False, True),
    (7, True, False, True),
    (6, True, False, False),
    (30, False, False, False),
    (0, False, True, True),
])
def test_trust(make_app, age_days, verified, admin, trusted):
    app = make_app(TRUST_AFTER_DAYS=7)
    user = User(username="alice", email="a@example.com", password_hash="x", is_admin=admin,
                created_at=NOW - timedelta(days=age_days),
                email_verified_at=NOW - timedelta(days=age_days) if verified else None)
    with app.app_context():
        assert is_trusted(user, NOW) is trusted
