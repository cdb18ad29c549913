"""The audit log: who did what to whom, when and why. Knows nothing about HTTP.

``record`` only adds the row: the action's own function commits, so an action and its entry
land together or not at all.
"""

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from ..links.models import Link
from .models import AuditEntry

# action -> what the log says was done
ACTIONS = {
    "user.disable": "disabled the user",
    "user.enable": "enabled the user",
    "user.delete": "deleted the user and everything they owned",
    "link.disable": "disabled the link",
    "link.enable": "enabled the link",
    "link.quarantine": "put the link behind a warning (visitors' reports)",
    "link.reports_dismiss": "dismissed the reports on the link and lifted its warning",
    "registration.mode": "changed who may sign up (the registration mode)",
}
# A setting of the whole site is changed with or without a reason; a user or link never.
REASON_OPTIONAL = frozenset({"registration.mode"})
# Who the log names for what no admin did: the reports' own threshold quarantining a link.
REPORTS_ACTOR = "(reports)"
REASON_MAX_LENGTH = 500
LABEL_MAX_LENGTH = 300
MAX_PAGE = 1_000_000  # far below where OFFSET overflows 64 bits


class ModerationError(ValueError):
    """An admin action that cannot be done as asked; the message says why, for the admin."""


@dataclass(frozen=True)
class Site:
    """A site-wide subject (subject_type "site"): ``id`` is the stored change's own row (the
    column is NOT NULL, and changing that on SQLite means rebuilding the table), ``label``
    what the log says, e.g. "registration: open → closed"."""

    id: int
    label: str


def clean_reason(reason: object) -> str:
    """The reason as typed, trimmed; ModerationError if there is none or it is too long."""
    text = reason.replace("\x00", "").strip() if isinstance(reason, str) else ""
    if not text:
        raise ModerationError("Give a reason: it goes in the audit log.")
    if len(text) > REASON_MAX_LENGTH:
        raise ModerationError(f"Keep the reason to {REASON_MAX_LENGTH} characters.")
    return text


def clean_optional_reason(reason: object) -> str:
    """As clean_reason, but none at all is ""."""
    if not isinstance(reason, str) or not reason.replace("\x00", "").strip():
        return ""
    return clean_reason(reason)


def record(admin: User | None, action: str, subject: User | Link | Site, reason: str) -> AuditEntry:
    """Add (not commit) the entry of ``admin`` doing ``action`` to ``subject`` for ``reason``;
    no admin: the reports did it (REPORTS_ACTOR)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    kind = "user" if isinstance(subject, User) else "site" if isinstance(subject, Site) else "link"
    why = clean_optional_reason(reason) if action in REASON_OPTIONAL else clean_reason(reason)
    entry = AuditEntry(admin_id=admin.id if admin else None,
                       admin_name=admin.username if admin else REPORTS_ACTOR, action=action,
                       subject_type=kind,
                       subject_id=subject.id, subject_label=label(subject)[:LABEL_MAX_LENGTH],
                       reason=why)
    db.session.add(entry)
    return entry


def label(subject: User | Link | Site) -> str:
    """How the subject is named in the log, kept as it was when the action was done."""
    if isinstance(subject, User):
        return f"{subject.username} <{subject.email}>"
    if isinstance(subject, Site):
        return subject.label
    owner = db.session.get(User, subject.owner_id)
    return f"{owner.username}/{subject.slug} → {subject.target_url}"


def entries(page: int, per_page: int) -> Pagination:
    """One page of the log, newest first (past the last: empty)."""
    page = min(max(page, 1), MAX_PAGE)
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def entries_about(subject_type: str, subject_id: int, limit: int = 20) -> list[AuditEntry]:
    """The newest entries about one user or link."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.subject_type == subject_type,
                                 AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.id.desc()).limit(limit)))
