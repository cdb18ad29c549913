"""An admin's disable of a link: apart from the owner's switch, logged, and searchable links."""

import pytest
from sqlalchemy import select

from shortener.accounts.models import User
from shortener.extensions import db
from shortener.links.models import Link
from shortener.moderation import links
from shortener.moderation.audit import ModerationError
from shortener.moderation.models import AuditEntry
from tests.helpers import add_link


def _act(app, action, admin_id, link_id, reason="phishing"):
    with app.app_context():
        action(db.session.get(User, admin_id), db.session.get(Link, link_id), reason)


def test_disable_and_enable_are_logged_and_leave_the_owners_switch_alone(app, people):
    boss, _alice, link_id = people
    _act(app, links.disable, boss, link_id)
    with app.app_context():
        link = db.session.get(Link, link_id)
        assert link.admin_disabled_at is not None and link.is_active and not link.is_live()
    _act(app, links.enable, boss, link_id, "false alarm")
    with app.app_context():
        assert db.session.get(Link, link_id).is_live()
        logged = [(e.action, e.subject_id, e.reason) for e in db.session.scalars(select(AuditEntry))]
    assert logged == [("link.disable", link_id, "phishing"), ("link.enable", link_id, "false alarm")]


@pytest.mark.parametrize("case", ["no reason", "twice", "enable a live link"])
def test_refused_link_actions(app, people, case):
    boss, _alice, link_id = people
    if case == "twice":
        _act(app, links.disable, boss, link_id)
    action = links.enable if case == "enable a live link" else links.disable
    with pytest.raises(ModerationError):
        _act(app, action, boss, link_id, "" if case == "no reason" else "again")


def test_search_by_slug_target_or_owner(app, people):
    boss, alice, link_id = people
    other = add_link(app, boss, "promo", "https://shop.test/")
    with app.app_context():
        def slugs(query, **kwargs):
            return [link.slug for link in links.search(query, 1, 10, **kwargs).items]

        assert slugs("") == ["promo", "abc"]
        assert slugs("SHOP") == ["promo"] and slugs("alice") == ["abc"] and slugs("ab") == ["abc"]
        assert slugs("", owner_id=alice) == ["abc"]
        page = links.search("", 1, 10).items
        assert {user.username for user in links.owners(page).values()} == {"alice", "boss"}
        assert other != link_id
