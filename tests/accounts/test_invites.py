"""shortener/accounts/invites.py: single-use codes, stored hashed, created by admins (any number)
and by trusted users within INVITES_PER_USER; expired unused codes are given back."""

from datetime import timedelta

import pytest

from shortener.accounts import invites
from shortener.accounts.models import Invite, User
from shortener.accounts.users import set_admin
from shortener.extensions import db
from shortener.timeutil import utcnow
from tests.conftest import AuthActions


def user(app, name="alice", **columns):
    user_id = AuthActions(app, app.test_client()).create_user(name)
    with app.app_context():
        row = db.session.get(User, user_id)
        for column, value in columns.items():
            setattr(row, column, value)
        db.session.commit()
    return user_id


def test_a_code_works_once_and_only_its_hash_is_stored(app):
    alice, bob = user(app), user(app, "bob")
    with app.app_context():
        set_admin(db.session.get(User, alice), True)
        code = invites.create(db.session.get(User, alice))
        assert db.session.query(Invite).one().code_hash == invites.hash_code(code) != code
        invite = invites.find_usable(f"  {code} ")
        assert invite is not None
        assert invites.claim(invite.id, bob)
        assert not invites.claim(invite.id, bob)
        db.session.commit()
        assert invites.find_usable(code) is None
        [row] = invites.list_created_by(alice)
        assert row.used_by == "bob"


@pytest.mark.parametrize("code", ["", "nope", "x" * 500])
def test_unknown_codes_find_nothing(app, code):
    with app.app_context():
        assert invites.find_usable(code) is None


def test_an_expired_code_is_not_usable(app):
    alice = user(app, is_admin=True)
    with app.app_context():
        code = invites.create(db.session.get(User, alice))
        assert invites.find_usable(code, now=utcnow() + timedelta(days=15)) is None


def test_only_admins_invite_by_default(app):
    alice = user(app)
    with app.app_context():
        assert not invites.may_invite(db.session.get(User, alice))
        with pytest.raises(invites.InviteError, match="Only admins"):
            invites.create(db.session.get(User, alice))


def test_a_user_hands_out_the_allowance_and_gets_expired_codes_back(make_app):
    app = make_app(INVITES_PER_USER=2)
    alice = user(app)
    with app.app_context():
        owner = db.session.get(User, alice)
        invites.create(owner)
        db.session.query(Invite).update({"expires_at": utcnow() - timedelta(days=1)})  # expired
        db.session.commit()
        invites.create(owner)
        assert invites.allowance_left(owner) == 1
        invites.create(owner)
        with pytest.raises(invites.InviteError, match="all your invites"):
            invites.create(owner)


def test_an_account_not_trusted_yet_has_no_invites(make_app):
    app = make_app(INVITES_PER_USER=5, TRUST_AFTER_DAYS=7)
    alice = user(app)
    with app.app_context():
        assert invites.allowance_left(db.session.get(User, alice)) == 0
        with pytest.raises(invites.InviteError, match="New accounts"):
            invites.create(db.session.get(User, alice))
