"""Small builders shared by the tests."""

from datetime import datetime

from sqlalchemy import func, select, text

from shortener.clicks.events import new_event
from shortener.extensions import db
from shortener.models import Click, DailyClicks, Link


def make_link(app, owner_id: int, slug: str = "abc", target: str = "https://example.com/x") -> int:
    with app.app_context():
        link = Link(owner_id=owner_id, slug=slug, target_url=target)
        db.session.add(link)
        db.session.commit()
        return link.id


def make_event(link_id: int, clicked_at: datetime | None = None) -> dict:
    return new_event(link_id, clicked_at or datetime(2026, 11, 20, 12, 0), "https://ref.test/",
                     "pytest-agent", "192.0.2.0")


def counts(app, link_id: int) -> tuple[int, int, int]:
    """(click rows, Link.click_count, sum of daily rollups) for ``link_id``."""
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Click).where(Click.link_id == link_id))
        counted = db.session.scalar(select(Link.click_count).where(Link.id == link_id))
        rolled = db.session.scalar(
            select(func.coalesce(func.sum(DailyClicks.clicks), 0)).where(DailyClicks.link_id == link_id)
        )
        return rows, counted, rolled


IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
DESKTOP_CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")
SLACKBOT = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"


def rollup_snapshot(app) -> dict:
    """Every rollup table's rows and the links' totals, to compare before and after a replay."""
    tables = ("daily_clicks", "hourly_clicks", "daily_breakdown", "daily_visitors")
    with app.app_context():
        snapshot = {table: sorted(map(tuple, db.session.execute(text(f"SELECT * FROM {table}"))))
                    for table in tables}
        snapshot["links"] = sorted(db.session.execute(select(Link.id, Link.click_count, Link.bot_count)))
        return snapshot
