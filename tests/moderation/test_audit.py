"""The audit log: every entry says who, what, about whom, when and why; newest first, paged."""

import pytest

from shortener.accounts.models import User
from shortener.extensions import db
from shortener.links.models import Link
from shortener.moderation import audit
from shortener.moderation.audit import ModerationError
from shortener.moderation.models import AuditEntry


@pytest.mark.parametrize("reason", ["", "   ", None, 42, "x" * 501])
def test_a_reason_is_required_and_bounded(reason):
    with pytest.raises(ModerationError):
        audit.clean_reason(reason)


def test_a_reason_is_kept_as_typed_but_trimmed():
    assert audit.clean_reason("  spam\x00 campaign ") == "spam campaign"


def test_an_entry_names_the_admin_and_the_subject_as_they_were(app, people):
    boss, alice, link_id = people
    with app.app_context():
        admin, user = db.session.get(User, boss), db.session.get(User, alice)
        link = db.session.get(Link, link_id)
        audit.record(admin, "user.disable", user, "spam")
        audit.record(admin, "link.disable", link, "phishing")
        db.session.commit()
        first, second = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert (first.admin_id, first.admin_name, first.action, first.subject_type, first.subject_id,
            first.subject_label, first.reason) == (boss, "boss", "user.disable", "user", alice,
                                                   "alice <alice@example.com>", "spam")
    assert second.subject_label == "alice/abc → https://example.com/" and second.subject_type == "link"
    assert first.created_at is not None


def test_an_unknown_action_is_a_bug_not_an_entry(app, people):
    boss, alice, _ = people
    with app.app_context(), pytest.raises(ValueError):
        audit.record(db.session.get(User, boss), "user.promote", db.session.get(User, alice), "why")


def test_entries_are_newest_first_and_paged(app, people):
    boss, alice, _ = people
    with app.app_context():
        admin, user = db.session.get(User, boss), db.session.get(User, alice)
        for number in range(5):
            audit.record(admin, "user.disable", user, f"reason {number}")
        db.session.commit()
        first = audit.entries(1, 2)
        last = audit.entries(3, 2)
        beyond = audit.entries(10**9, 2)
        assert [entry.reason for entry in first.items] == ["reason 4", "reason 3"]
        assert [entry.reason for entry in last.items] == ["reason 0"] and first.pages == 3
        assert beyond.items == []
        assert [e.reason for e in audit.entries_about("user", alice, limit=1)] == ["reason 4"]


def test_a_site_wide_entry_names_the_setting_and_may_go_without_a_reason(app, people):
    boss, _, _ = people
    with app.app_context():
        admin = db.session.get(User, boss)
        entry = audit.record(admin, "registration.mode", audit.Site(7, "registration: open → closed"), "  ")
        db.session.commit()
        assert (entry.subject_type, entry.subject_id, entry.subject_label, entry.reason) == (
            "site", 7, "registration: open → closed", "")


def test_only_a_site_wide_action_may_go_without_a_reason(app, people):
    boss, alice, _ = people
    with app.app_context(), pytest.raises(ModerationError):
        audit.record(db.session.get(User, boss), "user.disable", db.session.get(User, alice), "")


@pytest.mark.parametrize("reason", ["", "   ", None, 42])
def test_an_optional_reason_may_be_missing(reason):
    assert audit.clean_optional_reason(reason) == ""


def test_an_optional_reason_is_still_bounded():
    with pytest.raises(ModerationError):
        audit.clean_optional_reason("x" * 501)
