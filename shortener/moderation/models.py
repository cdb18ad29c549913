"""Moderation's rows: the audit log (one row per admin action, kept after its subject or its
admin is deleted) and visitors' reports of links."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = {"sqlite_autoincrement": True}  # newest first is by id: never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # SET NULL, not CASCADE: deleting an admin's account must not erase what they did.
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    admin_name: Mapped[str] = mapped_column(String(32))  # as it was, for when the account is gone
    action: Mapped[str] = mapped_column(String(32))  # shortener.moderation.audit.ACTIONS
    subject_type: Mapped[str] = mapped_column(String(16))  # "user", "link" or "site"
    # "site": the changed setting's own row (audit.Site), e.g. a registration_mode_changes id.
    # No foreign key: a deleted user's entry stays, with the label it had.
    subject_id: Mapped[int] = mapped_column(Integer)
    subject_label: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(String(500))


class Report(db.Model):
    """A visitor's "report this link": why, and from which network (never the full address)."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_link_open", "link_id", "resolved_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("links.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    category: Mapped[str] = mapped_column(String(16))  # shortener.moderation.reports.CATEGORIES
    details: Mapped[str] = mapped_column(String(500), default="")
    # The reporter's /24 or /48, as clicks store it: what "distinct networks" counts.
    network: Mapped[str] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str | None] = mapped_column(String(16))  # "dismissed" or "disabled"
