"""What the tests and the bench share: the app's base config, click counts, waiting.

No pytest here: the bench imports it too.
"""

import os
import time
from collections.abc import Callable

from sqlalchemy import delete, func, select

from shortener.clicks.models import Click, DailyClicks
from shortener.extensions import db
from shortener.links.models import Link


def base_config(database_url: str, workdir) -> dict:
    """An app on ``database_url`` with its files under ``workdir``, no real Redis, no mail."""
    return {
        "TESTING": True,  # also lets a test client keep its session cookie on plain http
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "CLICK_TRACKING": "sync",
        "LINK_CACHE_SECONDS": 0,  # tests see an edit at once; test_links_lookup turns it on
        "LINK_TARGET_DNS_TIMEOUT": 0,  # no DNS: tests/links/test_resolver.py turns it on
        "TITLE_FETCH": False,  # no page fetched: tests/links/test_titles.py turns it on
        "CLICK_SPOOL_DIR": os.path.join(workdir, "spool"),
        "MAIL_OUTBOX_DIR": os.path.join(workdir, "outbox"),
        "MAIL_SERVER": None,
        "BASE_URL": "http://sho.rt.test",
        "REDIS_URL": "redis://127.0.0.1:1/0",  # replaced per use; never a real server by accident
        # Anyone signs up by mail, and the users the tests create have the full link budget;
        # tests of the other registration modes and of trust set their own.
        "REGISTRATION": "verified",
        "TRUST_AFTER_DAYS": 0,
    }


def empty_tables() -> None:
    """Delete every row, children first (in an app context)."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))
    db.session.commit()


def counts(app, link_id: int | None = None) -> tuple[int, int, int]:
    """(click rows, click_count, sum of daily rollups) of ``link_id``, or of all links.

    The three are equal when no click was lost or counted twice.
    """
    def of_link(query, column):
        return query if link_id is None else query.where(column == link_id)

    with app.app_context():
        rows = db.session.scalar(of_link(select(func.count()).select_from(Click), Click.link_id))
        counted = db.session.scalar(
            of_link(select(func.coalesce(func.sum(Link.click_count), 0)), Link.id))
        rolled = db.session.scalar(
            of_link(select(func.coalesce(func.sum(DailyClicks.humans + DailyClicks.bots), 0)),
                    DailyClicks.link_id))
        return rows, int(counted), int(rolled)


def wait_until(predicate: Callable[[], object], timeout: float = 20.0, what: str = "a condition",
               check: Callable[[], None] | None = None) -> None:
    """Poll ``predicate`` until true; ``check`` (e.g. "is the child still alive?") may raise."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if check is not None:
            check()
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)
