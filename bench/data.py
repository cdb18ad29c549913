"""The bench's in-process app and its data: schema, fixtures, click events, counts."""

import os
import random
from dataclasses import dataclass

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine

from shortener import create_app
from shortener.accounts.users import create_user
from shortener.clicks.events import new_event
from shortener.extensions import db
from shortener.models import Click, DailyClicks, Link, PasswordResetToken, User
from shortener.timeutil import utcnow

from .services import Database

PASSWORD = "bench-password-not-secret"
USER_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
    "Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
)
REFERRERS = (None, "https://news.example/item?id=1", "https://social.example/post/2")
INGEST_LINKS = 10


@dataclass
class Fixtures:
    """The redirect's link and the links ingested clicks are spread over."""

    username: str
    slug: str
    link_ids: list[int]

    @property
    def path(self) -> str:
        return f"/{self.username}/{self.slug}"


def make_app(database: Database, redis_url: str, workdir: str, key: str) -> Flask:
    return create_app({
        "TESTING": True,  # lets the in-process test client keep its session cookie on http
        "SECRET_KEY": key,
        "SQLALCHEMY_DATABASE_URI": database.url,
        "REDIS_URL": redis_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "CLICK_SPOOL_DIR": os.path.join(workdir, "spool"),
        "MAIL_SERVER": None,
    })


def migrate(app: Flask) -> None:
    with app.app_context():
        upgrade()


def empty_tables(app: Flask) -> None:
    with app.app_context():
        for model in (Click, DailyClicks, PasswordResetToken, Link, User):
            db.session.execute(delete(model))
        db.session.commit()


def create_fixtures(app: Flask) -> Fixtures:
    """A user ``bench`` with the redirect's link ``go`` and INGEST_LINKS more."""
    with app.app_context():
        user = create_user("bench", "bench@example.com", PASSWORD)
        links = [Link(owner_id=user.id, slug="go", target_url="https://example.com/landing")]
        links += [Link(owner_id=user.id, slug=f"l{index}",
                       target_url=f"https://example.com/page/{index}")
                  for index in range(INGEST_LINKS)]
        db.session.add_all(links)
        db.session.commit()
        return Fixtures("bench", "go", [link.id for link in links])


def reset_clicks(app: Flask) -> None:
    """No clicks anywhere: rows, daily counts and click_count."""
    with app.app_context():
        db.session.execute(delete(Click))
        db.session.execute(delete(DailyClicks))
        db.session.execute(update(Link).values(click_count=0))
        db.session.commit()


def persisted(engine: Engine) -> int:
    """Clicks committed so far: the sum of click_count, one cheap query (never counts rows)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(Link.click_count), 0))).scalar())


def counts(engine: Engine) -> dict[str, int]:
    """Rows, click_count total and daily total: equal when no click was lost or doubled."""
    with engine.connect() as conn:
        return {
            "rows": conn.execute(select(func.count()).select_from(Click)).scalar(),
            "click_count": int(conn.execute(
                select(func.coalesce(func.sum(Link.click_count), 0))).scalar()),
            "daily": int(conn.execute(
                select(func.coalesce(func.sum(DailyClicks.clicks), 0))).scalar()),
        }


def make_events(link_ids: list[int], count: int, seed: int = 6) -> list[dict]:
    """Click events as the redirect builds them, spread over ``link_ids``."""
    rng = random.Random(seed)
    now = utcnow()
    return [
        new_event(rng.choice(link_ids), now, rng.choice(REFERRERS), rng.choice(USER_AGENTS),
                  f"198.51.{rng.randrange(256)}.0")
        for _ in range(count)
    ]
