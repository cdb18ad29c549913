"""Disabling, enabling and deleting users: the rows, their consequences and the audit log."""

import pytest
from sqlalchemy import func, select

from shortener.accounts import login_networks
from shortener.accounts.models import User, UserSession
from shortener.api.models import ApiToken
from shortener.clicks.models import Click, DailyClicks
from shortener.extensions import db
from shortener.links.models import Link, Tag
from shortener.moderation import users
from shortener.moderation.audit import ModerationError
from shortener.moderation.models import AuditEntry
from tests.helpers import add_link, issue_token, make_api_token, make_event, sign_in, store_events


def _act(app, action, admin_id, user_id, reason="spam"):
    with app.app_context():
        action(db.session.get(User, admin_id), db.session.get(User, user_id), reason)


def _actions(app) -> list[tuple[str, int, str]]:
    with app.app_context():
        return [(entry.action, entry.subject_id, entry.reason)
                for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_disable_then_enable_is_logged_each_time(app, people):
    boss, alice, _ = people
    _act(app, users.disable, boss, alice, "spam")
    with app.app_context():
        assert db.session.get(User, alice).disabled_at is not None
    _act(app, users.enable, boss, alice, "appeal granted")
    with app.app_context():
        assert db.session.get(User, alice).disabled_at is None
    assert _actions(app) == [("user.disable", alice, "spam"), ("user.enable", alice, "appeal granted")]


@pytest.mark.parametrize("case", ["no reason", "self", "twice"])
def test_a_refused_action_changes_nothing_and_logs_nothing(app, people, case):
    boss, alice, _ = people
    if case == "twice":
        _act(app, users.disable, boss, alice)
    target, reason = (boss, "x") if case == "self" else (alice, " " if case == "no reason" else "again")
    with pytest.raises(ModerationError):
        _act(app, users.disable, boss, target, reason)
    with app.app_context():
        db.session.rollback()
        assert db.session.get(User, boss).disabled_at is None
    assert len(_actions(app)) == (1 if case == "twice" else 0)


def test_enabling_a_user_who_is_not_disabled_is_refused(app, people):
    boss, alice, _ = people
    with pytest.raises(ModerationError):
        _act(app, users.enable, boss, alice)


def test_a_disabled_user_cannot_log_in_and_is_told_why(app, client, auth, people):
    boss, alice, _ = people
    _act(app, users.disable, boss, alice)
    response = auth.login("alice")
    assert response.status_code == 200
    assert "disabled by an administrator" in response.get_data(as_text=True)
    wrong = auth.login("alice", "not the password").get_data(as_text=True)
    assert "disabled" not in wrong and "Wrong username" in wrong  # strangers learn nothing


def test_a_disabled_users_logins_and_tokens_stop_working_and_come_back(app, client, people):
    boss, alice, _ = people
    sign_in(app, client, alice)
    _id, token = make_api_token(app, alice)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/links/new").status_code == 200
    assert client.get("/api/v1/links", headers=headers).status_code == 200
    _act(app, users.disable, boss, alice)
    assert client.get("/links/new").status_code == 302  # to the login page: logged out
    assert client.get("/api/v1/links", headers=headers).status_code == 401
    _act(app, users.enable, boss, alice, "appeal")
    assert client.get("/api/v1/links", headers=headers).status_code == 200


def test_belongings_count_what_a_delete_removes(app, people):
    boss, alice, link_id = people
    store_events(app, [make_event(link_id), make_event(link_id)])
    make_api_token(app, alice)
    with app.app_context():
        db.session.add(Tag(owner_id=alice, name="work", name_key="work"))
        db.session.commit()
        gone = users.belongings(db.session.get(User, alice))
    assert (gone.links, gone.human_clicks, gone.tags, gone.api_tokens, gone.imports) == (1, 2, 1, 1, 0)


def test_deleting_a_user_removes_everything_they_own_and_nothing_else(app, client, people):
    boss, alice, link_id = people
    bob_id = _other_user(app)
    bob_link = add_link(app, bob_id, "keep")
    store_events(app, [make_event(link_id), make_event(bob_link)])
    make_api_token(app, alice)
    issue_token(app, alice)
    sign_in(app, client, alice)
    with app.app_context():
        tag = Tag(owner_id=alice, name="work", name_key="work")
        db.session.add(tag)
        db.session.get(Link, link_id).tags = [tag]
        login_networks.remember(alice, "198.51.100.0/24")
        db.session.commit()
    _act(app, users.delete_user, boss, alice, "spam network")
    with app.app_context():
        assert db.session.get(User, alice) is None
        for model, column in [(Link, Link.owner_id), (ApiToken, ApiToken.owner_id),
                              (UserSession, UserSession.user_id)]:
            assert db.session.scalar(select(func.count()).select_from(model).where(column == alice)) == 0
        # Every table, whatever is added later: nothing of hers or of her links is left.
        for table in db.metadata.sorted_tables:
            for name, owner in (("owner_id", alice), ("user_id", alice), ("link_id", link_id)):
                if name in table.c:
                    left = db.session.scalar(select(func.count()).select_from(table)
                                             .where(table.c[name] == owner))
                    assert left == 0, (table.name, name)
        for model in (Click, DailyClicks):
            assert db.session.scalar(select(func.count()).select_from(model)
                                     .where(model.link_id == link_id)) == 0
            assert db.session.scalar(select(func.count()).select_from(model)
                                     .where(model.link_id == bob_link)) == 1
    assert _actions(app) == [("user.delete", alice, "spam network")]


def test_deleting_an_admin_keeps_their_audit_entries_under_their_name(app, people):
    boss, alice, _ = people
    _act(app, users.disable, boss, alice)
    other_admin = _other_user(app, admin=True)
    _act(app, users.delete_user, other_admin, boss, "left the team")
    with app.app_context():
        first = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).first()
        assert (first.admin_id, first.admin_name) == (None, "boss")


def test_search_and_volumes(app, people):
    boss, alice, link_id = people
    store_events(app, [make_event(link_id)])
    with app.app_context():
        found = users.search("ALI", 1, 10)
        assert [user.username for user in found.items] == ["alice"]
        assert [user.username for user in users.search("example.com", 1, 10).items] == ["alice", "boss"]
        assert users.search("%", 1, 10).items == []  # literal, not a wildcard
        volume = users.volumes([alice, boss])
        assert volume[alice] == users.Volume(1, 1, 0) and boss not in volume


def _other_user(app, admin=False) -> int:
    from shortener.accounts.users import create_user

    with app.app_context():
        user = create_user("bob", "bob@example.com", "correct horse battery")
        user.is_admin = admin
        db.session.commit()
        return user.id
