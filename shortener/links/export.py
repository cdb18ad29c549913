"""The owner's link list as CSV, streamed, in the dashboard's search and order."""

from collections.abc import Callable, Iterator

from ..clicks.export import EXPORT_BATCH, csv_cell, csv_lines
from ..extensions import db
from ..models import Link
from .service import DEFAULT_SORT, links_query

COLUMNS = ("short_url", "slug", "title", "target_url", "human_clicks", "bot_clicks",
           "created_at_utc", "last_clicked_at_utc", "expires_at_utc", "active")


def links_csv(owner_id: int, short_url: Callable[[Link], str], query: str = "",
              sort: str = DEFAULT_SORT, batch: int = EXPORT_BATCH) -> Iterator[str]:
    """The CSV text of the owner's links matching ``query``, one chunk per ``batch`` links."""
    yield csv_lines([COLUMNS])
    result = db.session.scalars(
        links_query(owner_id, query, sort).execution_options(yield_per=batch)
    )
    for links in result.partitions():
        yield csv_lines([csv_cell(value) for value in _row(link, short_url)] for link in links)


def _row(link: Link, short_url: Callable[[Link], str]) -> tuple:
    return (short_url(link), link.slug, link.title, link.target_url, link.click_count,
            link.bot_count, link.created_at, link.last_clicked_at, link.expires_at, link.is_active)
