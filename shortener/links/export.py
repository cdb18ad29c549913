"""The owner's link list as CSV, streamed, in the dashboard's search and order."""

from collections.abc import Callable, Iterator

from ..extensions import db
from ..spreadsheet_cells import EXPORT_BATCH, csv_cell, csv_lines
from .models import Link
from .service import DEFAULT_SORT, links_query
from .tags import names_of

# Every field its owner set, under names the CSV import reads back (shortener.links.imports).
# A password cannot be exported (only its hash is kept): has_password says the link had one, and
# the import brings such a link back switched off until its owner sets a password again.
COLUMNS = ("short_url", "slug", "title", "target_url", "human_clicks", "bot_clicks",
           "created_at_utc", "last_clicked_at_utc", "expires_at_utc", "active",
           "starts_at_utc", "click_limit", "redirect_code", "forward_query", "has_password",
           "public_stats", "tags")


def links_csv(owner_id: int, short_url: Callable[[Link], str], query: str = "",
              sort: str = DEFAULT_SORT, batch: int = EXPORT_BATCH, tag: str = "") -> Iterator[str]:
    """The CSV text of the owner's links matching ``query`` (and carrying ``tag``), one chunk per
    ``batch`` links (their tags: one more query per chunk)."""
    yield csv_lines([COLUMNS])
    result = db.session.scalars(
        links_query(owner_id, query, sort, tag).execution_options(yield_per=batch)
    )
    for links in result.partitions():
        yield csv_lines([csv_cell(value) for value in _row(link, short_url)] for link in links)


def _row(link: Link, short_url: Callable[[Link], str]) -> tuple:
    return (short_url(link), link.slug, link.title, link.target_url, link.click_count,
            link.bot_count, link.created_at, link.last_clicked_at, link.expires_at, _flag(link.is_active),
            link.starts_at, link.click_limit, link.redirect_code, _flag(link.forward_query),
            _flag(link.password_hash is not None), _flag(link.public_stats), ", ".join(names_of(link)))


def _flag(value: bool) -> str:
    return "true" if value else "false"
