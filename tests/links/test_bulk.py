"""shortener/links/bulk.py: actions on many links, the owner's only, every rule kept."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from shortener.extensions import db
from shortener.links import bulk, service, tags
from shortener.links.models import Link
from shortener.links.rules import LinkOptions, LinkRuleError
from shortener.timeutil import utcnow


@pytest.fixture
def links(app, auth):
    """Two links of alice's and one of bob's: (alice, bob, [alice's ids], bob's id)."""
    alice, bob = auth.create_user("alice"), auth.create_user("bob")
    with app.app_context():
        mine = [service.create_link(alice, f"https://example.com/{n}", tags=["t"]).id for n in range(2)]
        theirs = service.create_link(bob, "https://example.com/bob", tags=["t"]).id
    return alice, bob, mine, theirs


def _state(app):
    with app.app_context():
        return {link.id: (link.is_active, link.expires_at, tags.names_of(link))
                for link in db.session.scalars(select(Link))}


@pytest.mark.parametrize("action, tag", [("tag", "new"), ("untag", "t"), ("disable", None), ("delete", None),
                                         ("expire", None)])
def test_another_owners_link_is_never_touched(app, links, action, tag):
    alice, _bob, mine, theirs = links
    before = _state(app)[theirs]
    with app.app_context():
        outcome = bulk.apply(alice, [*mine, theirs], action, tag=tag,
                             expires_at=utcnow() + timedelta(days=1) if action == "expire" else None)
    assert _state(app)[theirs] == before
    assert outcome.changed + outcome.unchanged == len(mine)


def test_only_another_owners_ids_change_nothing(app, links):
    alice, _bob, _mine, theirs = links
    with app.app_context():
        assert bulk.own_links(alice, [theirs]) == []
        assert bulk.apply(alice, [theirs], "delete") == (0, 0)
    assert theirs in _state(app)


@pytest.mark.parametrize("values, ids", [
    (["1", "2", "1"], [1, 2]),
    (["x", "", "-3", "0", "1.5", "²", str(2**31), "7"], [7]),
    ([None, 5, "3"], [3]),
])
def test_ids_that_cannot_name_a_link_are_dropped(values, ids):
    assert bulk.parse_ids(values) == ids


def test_more_than_the_maximum_of_ids_is_refused():
    with pytest.raises(LinkRuleError, match="at most"):
        bulk.parse_ids(str(number) for number in range(1, bulk.MAX_LINKS + 2))


@pytest.mark.parametrize("action, tag, expires_at, field", [
    ("explode", None, None, "action"),
    ("tag", "", None, "tag"),
    ("untag", "two words", None, "tag"),
    ("expire", None, utcnow() - timedelta(minutes=1), "expires_at"),
])
def test_the_rules_of_an_action_name_their_field(action, tag, expires_at, field):
    with pytest.raises(LinkRuleError) as error:
        bulk.check(action, tag, expires_at)
    assert error.value.field == field


def test_expire_keeps_each_links_start_before_its_expiry(app, auth):
    alice = auth.create_user("alice")
    moment = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    with app.app_context():
        later = service.create_link(alice, "https://example.com/l",
                                    options=LinkOptions(starts_at=moment + timedelta(hours=1))).id
        plain = service.create_link(alice, "https://example.com/p").id
        assert bulk.apply(alice, [later, plain], "expire", expires_at=moment) == (1, 1)
    state = _state(app)
    assert state[plain][1] == moment and state[later][1] is None
