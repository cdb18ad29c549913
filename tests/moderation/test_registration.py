"""An admin's change of registration mode is stored with its audit entry, in one commit."""

import pytest

from shortener.accounts import registration_modes
from shortener.accounts.models import RegistrationModeChange, User
from shortener.extensions import db
from shortener.moderation import registration
from shortener.moderation.audit import ModerationError
from shortener.moderation.models import AuditEntry


def _all(model):
    return db.session.scalars(db.select(model).order_by(model.id)).all()


def test_a_change_writes_one_entry_with_the_admin_the_modes_and_the_reason(app, people):
    boss, _, _ = people
    with app.app_context():
        assert registration.set_mode(db.session.get(User, boss), "closed", " spam wave ")
        db.session.rollback()  # what was committed stays
        [change] = _all(RegistrationModeChange)
        [entry] = _all(AuditEntry)
        assert registration_modes.current() == "closed"
        assert (entry.admin_id, entry.admin_name, entry.action, entry.subject_type, entry.subject_id,
                entry.subject_label, entry.reason) == (
            boss, "boss", "registration.mode", "site", change.id,
            "registration: verified → closed", "spam wave")


def test_the_entry_says_what_the_mode_was_before_an_admin_chose(app, people):
    boss, _, _ = people
    with app.app_context():
        admin = db.session.get(User, boss)
        registration.set_mode(admin, "open")
        registration.set_mode(admin, "invite")
        assert [e.subject_label for e in _all(AuditEntry)] == [
            "registration: verified → open", "registration: open → invite"]
        assert [e.reason for e in _all(AuditEntry)] == ["", ""]


def test_no_change_no_entry(app, people):
    boss, _, _ = people
    with app.app_context():
        assert not registration.set_mode(db.session.get(User, boss), "verified", "again")
        assert _all(AuditEntry) == [] and _all(RegistrationModeChange) == []


def test_a_reason_too_long_changes_nothing(app, people):
    boss, _, _ = people
    with app.app_context():
        with pytest.raises(ModerationError):
            registration.set_mode(db.session.get(User, boss), "closed", "x" * 501)
        db.session.rollback()
        assert _all(AuditEntry) == [] and registration_modes.current() == "verified"
