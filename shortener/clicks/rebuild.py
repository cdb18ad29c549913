"""Re-enrich stored clicks and rebuild their rollups from the click rows (``flask clicks enrich``).

Both steps are idempotent: enrichment overwrites the columns with what the current parsers say,
and a link's rollups are deleted and recounted from its clicks in one transaction. Clicks are read
in batches (keyset on the id, ``yield_per`` for a link), so memory stays flat at any size.
Clicks that arrive while a link is being rebuilt may be counted twice or not at all: run it when
traffic is low, or run it again.
"""

import logging
import uuid
from collections.abc import Iterator

from sqlalchemy import delete, select, update

from ..extensions import db
from ..links.models import Link
from . import ranges, rollups
from .enrichment import app_enricher
from .models import Click, DailyBreakdown, DailyClicks, HourlyClicks, RangeBreakdown

log = logging.getLogger(__name__)

READ_COLUMNS = (Click.id, Click.link_id, Click.referrer, Click.user_agent, Click.ip_address, Click.source)


def reenrich_clicks(batch_size: int) -> tuple[int, set[int]]:
    """Enrich every click again, a committed batch at a time; return (clicks done, their links)."""
    done, links = 0, set()
    for rows in _click_batches(batch_size):
        _enrich_batch(rows)
        db.session.commit()
        done += len(rows)
        links.update(row.link_id for row in rows)
        log.info("re-enriched %d clicks", done)
    return done, links


def _click_batches(batch_size: int) -> Iterator[list]:
    after: uuid.UUID | None = None
    while True:
        query = select(*READ_COLUMNS).order_by(Click.id).limit(batch_size)
        if after is not None:
            query = query.where(Click.id > after)
        rows = db.session.execute(query).all()
        if not rows:
            return
        yield rows
        after = rows[-1].id


def _enrich_batch(rows) -> None:
    enricher = app_enricher()
    values = [{"id": row.id, **enricher.enrich(row._asdict())} for row in rows]
    # ORM bulk UPDATE by primary key: one executemany for the batch.
    db.session.execute(update(Click), values)


def rebuild_link_rollups(link_id: int, batch_size: int) -> int:
    """Recount the link's rollups from its clicks, in one transaction; return the clicks read."""
    ranges.hold_shared_lock()  # before the deletes: the roll must not see them half done
    for model in (DailyClicks, HourlyClicks, DailyBreakdown, RangeBreakdown):
        db.session.execute(delete(model).where(model.link_id == link_id))
    db.session.execute(update(Link).where(Link.id == link_id)
                       .values(click_count=0, bot_count=0, last_clicked_at=None))
    total = 0
    for rows, visitors in _tallied_link_batches(link_id, batch_size):
        counts = rollups.tally(rows)
        counts.daily_visitors.update(visitors)
        rollups.apply(counts)
        total += len(rows)
    db.session.commit()
    return total


def _tallied_link_batches(link_id: int, batch_size: int):
    """The link's click rows in batches, oldest first, with the new distinct visitors per day.

    Rows come in time order, so one day's visitor keys are in memory at a time.
    """
    result = db.session.execute(
        select(Click.link_id, Click.clicked_at, Click.is_bot, Click.bot_name, Click.browser, Click.os,
               Click.device, Click.referrer_host, Click.country, Click.visitor_key)
        .where(Click.link_id == link_id).order_by(Click.clicked_at)
        .execution_options(yield_per=batch_size)
    )
    day, seen = None, set()
    for partition in result.partitions():
        rows = [row._asdict() for row in partition]
        visitors = {}
        for row in rows:
            if row["clicked_at"].date() != day:
                day, seen = row["clicked_at"].date(), set()
            if row["visitor_key"] and not row["is_bot"] and row["visitor_key"] not in seen:
                seen.add(row["visitor_key"])
                visitors[link_id, day] = visitors.get((link_id, day), 0) + 1
        yield rows, visitors
