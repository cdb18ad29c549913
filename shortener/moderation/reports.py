"""Visitors' reports of links, and the admins' queue of them. Knows nothing about HTTP.

Anyone may report any existing link (disabled and expired ones too). A report keeps the
reporter's network (the /24 or /48, as clicks store it), never the full address. When
``ABUSE_QUARANTINE_REPORTS`` open reports come from distinct networks, the one that reaches the
threshold sets ``Link.quarantined_at`` in its own transaction: visitors then get a warning page
before the target (the redirect's QUARANTINED), until an admin dismisses the reports or
disables the link. Each of those three steps is in the audit log.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update

from ..accounts.models import User
from ..clicks.ips import anonymize_ip
from ..extensions import db
from ..links.models import Link
from ..timeutil import utcnow
from . import audit
from . import links as moderated_links
from .audit import ModerationError
from .models import Report

# category -> what the form offers
CATEGORIES = {
    "phishing": "Phishing or a scam",
    "malware": "Malware or a harmful download",
    "spam": "Spam",
    "illegal": "Illegal content",
    "other": "Something else",
}
DETAILS_MAX_LENGTH = 500
UNKNOWN_NETWORK = "unknown"  # an address that does not parse: all such reporters count as one
QUEUE_MAX_LINKS = 200
DISMISSED = "dismissed"
DISABLED = "disabled"


class ReportError(ValueError):
    """A report that cannot be taken as sent; the message says why, for the visitor."""


@dataclass(frozen=True)
class QueueItem:
    """One reported link of the queue: its open reports, newest first."""

    link: Link
    owner: User
    reports: list[Report]
    networks: int

    @property
    def newest(self) -> datetime:
        return self.reports[0].created_at


def reporter_network(address: str | None) -> str:
    """What a report keeps of its sender: the /24 or /48, whatever IP_ANONYMIZATION says."""
    return anonymize_ip(address, "network") or UNKNOWN_NETWORK


def find_link(username: str, slug: str) -> Link | None:
    """The link at ``username/slug`` in any state (disabled, expired, inactive); None if none,
    or if it has not started yet: until then it is indistinguishable from a missing one."""
    if "\x00" in username or "\x00" in slug:
        return None
    link = db.session.scalar(
        select(Link).join(User, User.id == Link.owner_id)
        .where(User.username == username.lower(), Link.slug_key == slug.lower()))
    if link is None or (link.starts_at is not None and link.starts_at > utcnow()):
        return None
    return link


def threshold() -> int:
    return max(1, current_app.config["ABUSE_QUARANTINE_REPORTS"])


def file_report(link_id: int, category: str, details: str, address: str | None) -> Report:
    """Store a report of the link and, at the threshold, quarantine it; commits."""
    if category not in CATEGORIES:
        raise ReportError("Choose what is wrong with the link.")
    details = (details or "").replace("\x00", "").strip()
    if len(details) > DETAILS_MAX_LENGTH:
        raise ReportError(f"Keep the details to {DETAILS_MAX_LENGTH} characters.")
    # Locked (PostgreSQL): two reports arriving together must not both miss the threshold.
    link = db.session.get(Link, link_id, with_for_update=True)
    if link is None:
        raise ReportError("This link does not exist.")
    report = Report(link_id=link.id, category=category, details=details,
                    network=reporter_network(address))
    db.session.add(report)
    db.session.flush()  # SQLite's write lock from here on: what follows sees the others' reports
    networks = open_networks(link.id)
    if networks >= threshold() and _quarantine(link.id):
        db.session.refresh(link)
        audit.record(None, "link.quarantine", link,
                     f"{networks} open reports from distinct networks (threshold {threshold()})")
    db.session.commit()
    return report


def _quarantine(link_id: int) -> bool:
    """Set the link's quarantine unless set: True for the one report that did. In SQL, not on the
    loaded row, which a report sent meanwhile may have made stale."""
    result = db.session.execute(
        update(Link).where(Link.id == link_id, Link.quarantined_at.is_(None))
        .values(quarantined_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount == 1


def open_networks(link_id: int) -> int:
    """How many distinct networks have an open report of the link."""
    return db.session.scalar(
        select(func.count(func.distinct(Report.network)))
        .where(Report.link_id == link_id, Report.resolved_at.is_(None)))


def open_reports(link_id: int) -> list[Report]:
    return list(db.session.scalars(
        select(Report).where(Report.link_id == link_id, Report.resolved_at.is_(None))
        .order_by(Report.id.desc())))


def queue(limit: int = QUEUE_MAX_LINKS) -> list[QueueItem]:
    """The links with open reports, the most recently reported first (three queries in all)."""
    newest = func.max(Report.id)
    link_ids = list(db.session.scalars(
        select(Report.link_id).where(Report.resolved_at.is_(None))
        .group_by(Report.link_id).order_by(newest.desc()).limit(limit)))
    if not link_ids:
        return []
    links = {link.id: link for link in db.session.scalars(select(Link).where(Link.id.in_(link_ids)))}
    owners = moderated_links.owners(list(links.values()))
    reports: dict[int, list[Report]] = {link_id: [] for link_id in link_ids}
    for report in db.session.scalars(
            select(Report).where(Report.link_id.in_(link_ids), Report.resolved_at.is_(None))
            .order_by(Report.id.desc())):
        reports[report.link_id].append(report)
    return [QueueItem(links[link_id], owners[links[link_id].owner_id], reports[link_id],
                      len({report.network for report in reports[link_id]}))
            for link_id in link_ids]


def dismiss(admin: User, link: Link, reason: str) -> None:
    """The reports were wrong: resolve them, lift the warning, log it; commits."""
    audit.clean_reason(reason)  # before anything changes
    _resolve(admin, link, DISMISSED)
    audit.record(admin, "link.reports_dismiss", link, reason)
    db.session.commit()


def disable_link(admin: User, link: Link, reason: str) -> None:
    """The reports were right: resolve them and disable the link (its own audit entry); commits."""
    audit.clean_reason(reason)
    _resolve(admin, link, DISABLED)
    try:
        moderated_links.disable(admin, link, reason)  # commits the resolution with the disable
    except ModerationError:
        db.session.rollback()  # the reports stay open: nothing was decided
        raise


def _resolve(admin: User, link: Link, decision: str) -> None:
    reports = open_reports(link.id)
    if not reports:
        raise ModerationError("This link has no open reports.")
    now = utcnow()
    for report in reports:
        report.resolved_at, report.resolved_by_id, report.decision = now, admin.id, decision
    link.quarantined_at = None  # an admin decided: no warning any more (disabled answers 410)
