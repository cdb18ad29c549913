"""Moderation fixtures: an admin and a user with a link, as rows (no pages)."""

import pytest

from shortener.extensions import db
from tests.helpers import add_link


@pytest.fixture
def people(app, auth):
    """(admin id, user id, the user's link id): 'boss' is an admin, 'alice' owns /alice/abc."""
    boss = auth.create_user("boss", admin=True)
    alice = auth.create_user("alice")
    return boss, alice, add_link(app, alice, "abc")


def rows(app, *ids_of):
    """The rows of (model, id) pairs, in an app context the caller holds."""
    return [db.session.get(model, row_id) for model, row_id in ids_of]
