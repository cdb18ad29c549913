"""The blocklist's tables: its entries, and one version row that every change bumps."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

PATTERN_MAX_LENGTH = 2048  # a URL prefix is at most a target URL
NOTE_MAX_LENGTH = 200
ADMIN = "admin"  # added on /admin/blocklist
FILE = "file"  # a line of BLOCKLIST_FILE
SOURCES = (ADMIN, FILE)


class BlocklistEntry(db.Model):
    """A blocked domain (``example.com``: it and its subdomains) or URL prefix
    (``example.com/path``: any scheme, that host only), as ``entries.parse_entry`` normalizes it.
    One pattern may be listed by both sources: removing the admin's keeps the file's."""

    __tablename__ = "blocklist_entries"
    __table_args__ = (
        UniqueConstraint("source", "pattern", name="uq_blocklist_entries_source_pattern"),
        CheckConstraint("source IN ('admin', 'file')", name="source_known"),
        {"sqlite_autoincrement": True},  # its id is in the remove form's URL: never reused
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pattern: Mapped[str] = mapped_column(String(PATTERN_MAX_LENGTH))
    source: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class BlocklistVersion(db.Model):
    """One row (id 1): grows with every change of the entries, in the same transaction, so a
    process rebuilds its matcher only when this number moved."""

    __tablename__ = "blocklist_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
