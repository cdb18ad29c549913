"""Database models, SQLAlchemy 2 style. Constraints live in the schema."""

import uuid
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .extensions import db
from .timeutil import utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("username = lower(username)", name="username_lowercase"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored lowercase, so uniqueness is case-insensitive on every engine.
    username: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set only from the CLI (`flask users create-admin`): no web page grants it.
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    links: Mapped[list["Link"]] = relationship(
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )

    # The random id of the login this object was loaded for (shortener.accounts.user_sessions):
    # Flask-Login puts it in the session and remember cookies instead of the user id.
    session_token = None

    def get_id(self) -> str:
        if self.session_token is None:
            raise RuntimeError("log in through shortener.accounts.user_sessions.start")
        return self.session_token


class UserSession(db.Model):
    """One login of a user on one device; revoking it ends its session and remember cookies."""

    __tablename__ = "user_sessions"
    __table_args__ = {"sqlite_autoincrement": True}  # its id is in URLs: never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Only the SHA-256 of the random id the cookies carry: a leaked table opens no session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    user_agent: Mapped[str | None] = mapped_column(String(100))  # a summary: "Firefox on Linux"


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
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Denormalized so no page ever counts click rows to show a total.
    # Humans only: bots and link-preview fetchers are counted apart, in bot_count.
    click_count: Mapped[int] = mapped_column(BigInteger, default=0)
    bot_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The newest clicked_at of the clicks stored (humans and bots), grown with the rollups.
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

    owner: Mapped[User] = relationship(back_populates="links")

    @validates("slug")
    def _set_slug_key(self, _name: str, slug: str) -> str:
        self.slug_key = slug.lower()
        return slug

    def is_live(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (self.is_active and (self.expires_at is None or self.expires_at > now)
                and (self.starts_at is None or self.starts_at <= now))

    def limit_reached(self) -> bool:
        return self.click_limit is not None and self.click_count >= self.click_limit


class Click(db.Model):
    __tablename__ = "clicks"
    __table_args__ = (
        Index("ix_clicks_link_clicked", "link_id", "clicked_at"),
        # Site-wide "stored in the last minute / hour" of the admin status page.
        Index("ix_clicks_clicked_at", "clicked_at"),
    )

    # Generated at redirect time: the idempotency key of the whole pipeline.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("links.id", ondelete="CASCADE"))
    clicked_at: Mapped[datetime] = mapped_column(DateTime)
    referrer: Mapped[str | None] = mapped_column(String(1024))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    # Enrichment, filled when the click is stored (NULL on rows stored before it existed).
    is_bot: Mapped[bool | None] = mapped_column(Boolean)
    bot_name: Mapped[str | None] = mapped_column(String(64))
    browser: Mapped[str | None] = mapped_column(String(64))
    os: Mapped[str | None] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(16))
    referrer_host: Mapped[str | None] = mapped_column(String(253))
    country: Mapped[str | None] = mapped_column(String(16))
    # A keyed hash of (address, agent, link) under a salt that is deleted after two days.
    visitor_key: Mapped[str | None] = mapped_column(String(32))
    # How the visitor came when the URL says so ("qr": the link's QR code); else NULL.
    source: Mapped[str | None] = mapped_column(String(16))


class DailyClicks(db.Model):
    """Clicks per link per UTC day, so stats cost grows with days, not clicks."""

    __tablename__ = "daily_clicks"
    __table_args__ = (CheckConstraint("clicks >= 0", name="clicks_not_negative"),)

    link_id: Mapped[int] = mapped_column(
        ForeignKey("links.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)  # humans and bots
    humans: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    bots: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Distinct visitor keys of humans that day (each counted once, via DailyVisitor).
    visitors: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class HourlyClicks(db.Model):
    """Clicks per link per UTC hour, for the 24-hour chart; pruned after HOURLY_KEEP_DAYS."""

    __tablename__ = "hourly_clicks"

    link_id: Mapped[int] = mapped_column(
        ForeignKey("links.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    humans: Mapped[int] = mapped_column(BigInteger, default=0)
    bots: Mapped[int] = mapped_column(BigInteger, default=0)


class DailyBreakdown(db.Model):
    """Clicks per link per day per value of a dimension (referrer host, browser, os, ...)."""

    __tablename__ = "daily_breakdown"

    link_id: Mapped[int] = mapped_column(
        ForeignKey("links.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(253), primary_key=True)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)


class RangeBreakdown(db.Model):
    """Clicks per link per page range (24h, 7d, ...) per dimension value, kept ready to rank.

    The sum of ``DailyBreakdown`` over the range's days (see ``RangeStart``), grown with it in the
    same transaction, so the link page reads the top values along an index instead of summing
    thousands of daily rows. See shortener/clicks/ranges.py.
    """

    __tablename__ = "range_breakdown"
    link_id: Mapped[int] = mapped_column(
        ForeignKey("links.id", ondelete="CASCADE"), primary_key=True
    )
    range_name: Mapped[str] = mapped_column(String(8), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(253), primary_key=True)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)


# The top values of a dimension: a short scan along the index, whatever the number of values.
Index("ix_range_breakdown_top", RangeBreakdown.link_id, RangeBreakdown.range_name,
      RangeBreakdown.dimension, RangeBreakdown.clicks.desc(), RangeBreakdown.value)


class RangeStart(db.Model):
    """The first day each range of ``RangeBreakdown`` covers now; moved by the daily roll."""

    __tablename__ = "range_starts"

    range_name: Mapped[str] = mapped_column(String(8), primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)


class DailyVisitor(db.Model):
    """The visitor keys seen per link per day, so each counts once; pruned after two days."""

    __tablename__ = "daily_visitors"

    link_id: Mapped[int] = mapped_column(
        ForeignKey("links.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visitor_key: Mapped[str] = mapped_column(String(32), primary_key=True)


class PasswordResetToken(db.Model):
    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only the SHA-256 of the token is stored; the token itself is in the mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


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


class ApiToken(db.Model):
    """A personal API token. Only the SHA-256 of the token is stored; its owner sees it once."""

    __tablename__ = "api_tokens"
    __table_args__ = {"sqlite_autoincrement": True}  # its id is in URLs: never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Written at most once a minute per token, so a busy client costs no write per request.
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
