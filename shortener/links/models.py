"""Links and the CSV imports that create them. Constraints live in the schema."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ..timeutil import utcnow


class Link(db.Model):
    __tablename__ = "links"
    __table_args__ = (
        # Case-insensitive per owner: /alice/Case and /alice/case are one link.
        UniqueConstraint("owner_id", "slug_key", name="uq_links_owner_slug_key"),
        Index("ix_links_owner_created", "owner_id", "created_at"),
        # The dashboard's "recently clicked" order.
        Index("ix_links_owner_last_clicked", "owner_id", "last_clicked_at"),
        CheckConstraint("click_count >= 0", name="click_count_not_negative"),
        CheckConstraint("bot_count >= 0", name="bot_count_not_negative"),
        CheckConstraint("click_limit IS NULL OR click_limit > 0", name="click_limit_positive"),
        CheckConstraint("redirect_code IN (301, 302, 307, 308)", name="redirect_code_known"),
        # Ids are in URLs and API answers: SQLite must never hand a deleted link's id out again.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))  # as its owner typed it
    slug_key: Mapped[str] = mapped_column(String(64))  # lower(slug): what is unique and looked up
    target_url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)  # the owner's own switch
    # Set by an admin (shortener.moderation), apart from is_active: the owner cannot undo it.
    admin_disabled_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when ABUSE_QUARANTINE_REPORTS open reports from distinct networks came in
    # (shortener.moderation.reports): visitors get a warning first, until an admin decides.
    quarantined_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Denormalized so no page ever counts click rows to show a total.
    # Humans only: bots and link-preview fetchers are counted apart, in bot_count.
    click_count: Mapped[int] = mapped_column(BigInteger, default=0)
    bot_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The newest clicked_at of the humans' clicks stored (bots' leave it), grown with the rollups.
    last_clicked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Link options (shortener.links.service holds their rules). NULL/default means "off",
    # and a link with every option off takes the redirect's fast path.
    starts_at: Mapped[datetime | None] = mapped_column(DateTime)
    click_limit: Mapped[int | None] = mapped_column(Integer)  # human clicks, as click_count
    password_hash: Mapped[str | None] = mapped_column(String(255))  # argon2id, as accounts
    redirect_code: Mapped[int] = mapped_column(Integer, default=302, server_default="302")
    forward_query: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Opt-in: /<user>/<slug>/+stats shows anyone the link's totals, chart and breakdowns.
    public_stats: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # In name order. The database deletes a deleted link's pairs (ON DELETE CASCADE), so they are
    # never loaded for it; pages load the tags of a whole page at once (selectinload).
    tags: Mapped[list["Tag"]] = relationship(secondary="link_tags", order_by="Tag.name_key",
                                             passive_deletes=True)

    @validates("slug")
    def _set_slug_key(self, _name: str, slug: str) -> str:
        self.slug_key = slug.lower()
        return slug

    def is_live(self, now: datetime | None = None) -> bool:
        return self.admin_disabled_at is None and is_live(
            self.is_active, self.expires_at, self.starts_at, now or utcnow())

    def limit_reached(self) -> bool:
        return limit_reached(self.click_limit, self.click_count)


def is_live(is_active: bool, expires_at: datetime | None, starts_at: datetime | None,
            now: datetime) -> bool:
    """Whether a link is followed at ``now``: active, not expired yet, started (the redirect's
    rule, on a row of ``lookup`` or on a ``Link``)."""
    return (is_active and (expires_at is None or expires_at > now)
            and (starts_at is None or starts_at <= now))


def limit_reached(click_limit: int | None, click_count: int) -> bool:
    return click_limit is not None and click_count >= click_limit


class LinkImport(db.Model):
    """An uploaded CSV of links and the progress of the job importing it.

    The file itself is stored here (not on a disk), so any worker can read it.
    """

    __tablename__ = "imports"
    __table_args__ = {"sqlite_autoincrement": True}  # its id is in URLs: never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    csv_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, running, done, failed
    # Why a failed import stopped, for its owner (never an exception's text: that is logged).
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    # [{"row": 7, "slug": "...", "reason": "..."}], rows numbered as in a spreadsheet (header = 1).
    report: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


# A link's tags: many to many, each row one (link, tag) pair; deleting either deletes the pair.
link_tags = db.Table(
    "link_tags",
    db.Column("link_id", ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
    # Filtering by a tag reads this index, from the tag to its links.
    db.Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    """A label an owner puts on links (shortener.links.tags holds the rules).

    One per owner and name whatever its case ("Work" and "work" are one tag), shown as first typed.
    """

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("owner_id", "name_key", name="uq_tags_owner_name_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(32))  # as its owner first typed it
    name_key: Mapped[str] = mapped_column(String(32))  # lower(name): what is unique and looked up
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
