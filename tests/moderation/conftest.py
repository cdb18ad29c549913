"""Moderation fixtures: an admin and a user with a link, as rows (no pages)."""

import pytest

from shortener.accounts.models import User
from shortener.extensions import db
from tests.helpers import add_link


@pytest.fixture
def people(app, auth):
    """(admin id, user id, the user's link id): 'boss' is an admin, 'alice' owns /alice/abc."""
    boss = auth.create_user("boss")
    alice = auth.create_user("alice")
    with app.app_context():
        db.session.get(User, boss).is_admin = True
        db.session.commit()
    return boss, alice, add_link(app, alice, "abc")


def rows(app, *ids_of):
    """The rows of (model, id) pairs, in an app context the caller holds."""
    return [db.session.get(model, row_id) for model, row_id in ids_of]
