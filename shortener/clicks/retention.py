"""How long the rollups that grow fastest are kept."""

from datetime import datetime, timedelta

from sqlalchemy import delete

from ..extensions import db
from .models import DailyVisitor, HourlyClicks

VISITOR_KEEP_DAYS = 2  # today and yesterday: late clicks of yesterday still dedupe
HOURLY_KEEP_DAYS = 90


def prune_rollups(now: datetime) -> dict[str, int]:
    """Delete visitor keys older than two days and hourly counts older than 90; commit."""
    today = now.date()
    visitors = db.session.execute(
        delete(DailyVisitor).where(DailyVisitor.day <= today - timedelta(days=VISITOR_KEEP_DAYS))
    ).rowcount
    hours = db.session.execute(
        delete(HourlyClicks).where(HourlyClicks.hour < now - timedelta(days=HOURLY_KEEP_DAYS))
    ).rowcount
    db.session.commit()
    return {"daily_visitors": visitors, "hourly_clicks": hours}
