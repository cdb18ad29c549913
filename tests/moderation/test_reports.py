"""shortener/moderation/reports.py: reports by network, the quarantine threshold, the decisions."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from shortener.accounts.models import User
from shortener.extensions import db
from shortener.links.models import Link
from shortener.moderation import reports
from shortener.moderation.audit import REPORTS_ACTOR, ModerationError
from shortener.moderation.models import AuditEntry, Report
from tests.helpers import add_link


def _report(app, link_id, address, category="phishing", details=""):
    with app.app_context():
        return reports.file_report(link_id, category, details, address).id


def _link(app, link_id):
    with app.app_context():
        return db.session.get(Link, link_id)


def _log(app):
    with app.app_context():
        return [(e.admin_name, e.action, e.subject_id)
                for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def _decide(app, decision, admin_id, link_id, reason="looked at it"):
    with app.app_context():
        decision(db.session.get(User, admin_id), db.session.get(Link, link_id), reason)


@pytest.mark.parametrize(("address", "network"), [
    ("203.0.113.77", "203.0.113.0"), ("2001:db8:1:2:3::9", "2001:db8:1::"),
    ("::ffff:198.51.100.4", "198.51.100.0"), ("not an address", reports.UNKNOWN_NETWORK),
    (None, reports.UNKNOWN_NETWORK),
])
def test_a_report_keeps_the_network_never_the_address(app, people, address, network):
    _boss, _alice, link_id = people
    report_id = _report(app, link_id, address, details="  a fake bank login \x00 ")
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert (report.network, report.details, report.resolved_at) == (network, "a fake bank login", None)


def test_the_third_distinct_network_quarantines_the_link_and_logs_it(app, people):
    _boss, _alice, link_id = people
    for address in ("203.0.113.1", "203.0.113.200", "2001:db8:1::1", "2001:db8:1:ffff::2"):
        _report(app, link_id, address)  # two networks, four reports
    assert _link(app, link_id).quarantined_at is None
    with app.app_context():
        assert reports.open_networks(link_id) == 2
    _report(app, link_id, "198.51.100.9")
    assert _link(app, link_id).quarantined_at is not None
    _report(app, link_id, "192.0.2.1")  # already quarantined: no second entry
    assert _log(app) == [(REPORTS_ACTOR, "link.quarantine", link_id)]


def test_the_threshold_is_a_setting(make_app, auth):
    app = make_app(ABUSE_QUARANTINE_REPORTS=1)
    link_id = add_link(app, auth.create_user("bob"), "go")
    _report(app, link_id, "203.0.113.1")
    assert _link(app, link_id).quarantined_at is not None


@pytest.mark.parametrize(("category", "details"), [("nonsense", ""), ("spam", "x" * 501)])
def test_bad_reports_are_refused(app, people, category, details):
    _boss, _alice, link_id = people
    with pytest.raises(reports.ReportError):
        _report(app, link_id, "203.0.113.1", category, details)
    with app.app_context():
        assert db.session.scalar(select(Report)) is None


def test_any_existing_link_can_be_found_whatever_its_state(app, people):
    boss, alice, link_id = people
    add_link(app, alice, "Off", is_active=False)
    with app.app_context():
        assert reports.find_link("ALICE", "abc").id == link_id
        assert reports.find_link("alice", "off") is not None
        assert reports.find_link("alice", "nope") is None and reports.find_link("alice\x00", "abc") is None


def _quarantine(app, link_id):
    for address in ("203.0.113.1", "198.51.100.1", "192.0.2.1"):
        _report(app, link_id, address)


def test_dismiss_resolves_the_reports_lifts_the_warning_and_is_logged(app, people):
    boss, _alice, link_id = people
    _quarantine(app, link_id)
    _decide(app, reports.dismiss, boss, link_id, "a real bank")
    assert _link(app, link_id).quarantined_at is None
    with app.app_context():
        assert reports.queue() == [] and reports.open_networks(link_id) == 0
        assert {(r.decision, r.resolved_by_id) for r in db.session.scalars(select(Report))} == {
            (reports.DISMISSED, boss)}
    assert _log(app)[-1] == ("boss", "link.reports_dismiss", link_id)
    # Dismissed reports no longer count: it takes three new networks again.
    _report(app, link_id, "203.0.113.1")
    assert _link(app, link_id).quarantined_at is None


def test_disable_resolves_the_reports_and_disables_the_link(app, people):
    boss, _alice, link_id = people
    _quarantine(app, link_id)
    _decide(app, reports.disable_link, boss, link_id, "phishing, confirmed")
    link = _link(app, link_id)
    assert link.admin_disabled_at is not None and link.quarantined_at is None
    assert _log(app)[-1] == ("boss", "link.disable", link_id)


@pytest.mark.parametrize("case", ["no reports", "no reason", "already disabled"])
def test_refused_decisions_change_nothing(app, people, case):
    boss, _alice, link_id = people
    if case != "no reports":
        _quarantine(app, link_id)
    if case == "already disabled":
        with app.app_context():
            db.session.get(Link, link_id).admin_disabled_at = db.func.now()
            db.session.commit()
    with pytest.raises(ModerationError):
        _decide(app, reports.disable_link, boss, link_id, "" if case == "no reason" else "why")
    with app.app_context():
        assert reports.open_networks(link_id) == (0 if case == "no reports" else 3)


def test_the_queue_groups_open_reports_by_link_newest_first(app, people):
    boss, alice, link_id = people
    other = add_link(app, alice, "other")
    _report(app, link_id, "203.0.113.1", "spam")
    _report(app, other, "203.0.113.1", "malware")
    _report(app, link_id, "198.51.100.1", "other", "odd")
    with app.app_context():
        queue = reports.queue()
        assert [(item.link.id, item.owner.username, item.networks) for item in queue] == [
            (link_id, "alice", 2), (other, "alice", 1)]
        assert [r.category for r in queue[0].reports] == ["other", "spam"]


def test_reports_sent_together_quarantine_the_link_once(app, people):
    """Each report locks its link's row (PostgreSQL): parallel ones never both pass the threshold."""
    _boss, _alice, link_id = people
    _report(app, link_id, "203.0.113.1")
    _report(app, link_id, "198.51.100.1")
    addresses = [f"10.{n}.0.1" for n in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda address: _report(app, link_id, address), addresses))
    assert _log(app) == [(REPORTS_ACTOR, "link.quarantine", link_id)]
