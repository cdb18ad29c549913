"""Clicks and their rollups (per day, hour, dimension and page range), so no page counts rows."""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


def _link_key():
    """A rollup's link: first of its primary key, its rows deleted with the link."""
    return mapped_column(ForeignKey("links.id", ondelete="CASCADE"), primary_key=True)


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

    link_id: Mapped[int] = _link_key()
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    humans: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    bots: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Distinct visitor keys of humans that day (each counted once, via DailyVisitor).
    visitors: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

class HourlyClicks(db.Model):
    """Clicks per link per UTC hour, for the 24-hour chart; pruned after HOURLY_KEEP_DAYS."""

    __tablename__ = "hourly_clicks"

    link_id: Mapped[int] = _link_key()
    hour: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    humans: Mapped[int] = mapped_column(BigInteger, default=0)
    bots: Mapped[int] = mapped_column(BigInteger, default=0)


class DailyBreakdown(db.Model):
    """Clicks per link per day per value of a dimension (referrer host, browser, os, ...)."""

    __tablename__ = "daily_breakdown"

    link_id: Mapped[int] = _link_key()
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
    link_id: Mapped[int] = _link_key()
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

    link_id: Mapped[int] = _link_key()
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visitor_key: Mapped[str] = mapped_column(String(32), primary_key=True)
