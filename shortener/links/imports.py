"""Importing links from a CSV file: checking the upload, then creating the links in a job.

The file is stored in the ``imports`` table (so any worker can read it) and
``jobs.imports.run_import`` works through it on the ``imports`` queue,
committing the links of each batch together with the progress counters.
Everything is idempotent: a row whose slug already points at the same target
(or, without a slug, whose target already has a link) is skipped as "already
there", so running a file twice, or a job retried after a crash, creates
nothing twice. Knows nothing about HTTP.
"""

import csv
import io
import logging
from datetime import UTC, datetime
from typing import NamedTuple

from flask import current_app
from rq.timeouts import JobTimeoutException
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from ..background.queues import IMPORTS, enqueue
from ..extensions import db
from ..spreadsheet_cells import unescape_cell
from ..timeutil import utcnow
from . import quota, rules, titles
from . import tags as tagging
from .models import Link, LinkImport
from .rules import LinkOptions, LinkRuleError
from .service import apply_options
from .slugs import random_slug, slug_taken
from .urls import own_hosts

log = logging.getLogger(__name__)
RANDOM_SLUG_ATTEMPTS = 5
# Our columns and the names other shorteners' exports give them (lower case, "_" for " " and "-").
# Kutt: target, address, description, expire_in (its "link" is the short URL: ignored).
# YOURLS: keyword, url, title (its "timestamp" is the creation time, not an expiry: ignored).
COLUMN_ALIASES = {
    "target": ("target", "url", "long_url", "longurl", "target_url", "original_url", "destination",
               "destination_url"),
    "slug": ("slug", "address", "keyword", "alias", "short_code", "shortcode", "code", "back_half"),
    "title": ("title", "description", "name"),
    "expiry": ("expiry", "expires", "expires_at", "expire_in", "expiration", "expiry_date",
               "valid_until", "expires_at_utc"),
    # The options, and the rest of what our own export (shortener.links.export) writes.
    "starts_at": ("starts_at", "starts_at_utc", "valid_from"),
    "click_limit": ("click_limit",),
    "redirect_code": ("redirect_code", "redirect_type"),
    "forward_query": ("forward_query",),
    "active": ("active", "is_active"),
    "has_password": ("has_password",),
    "public_stats": ("public_stats",),
    "tags": ("tags", "tag", "labels"),
}
FLAGS = {"true": True, "yes": True, "y": True, "1": True, "on": True,
         "false": False, "no": False, "n": False, "0": False, "off": False}
PASSWORD_NOT_CARRIED = ("This link had a password, which an export cannot carry, so it was imported "
                        "switched off: set it again on the link's page, then make the link active.")
# An import restores what an export wrote, so an expiry in the past is kept (the form and the API
# refuse one: a link made there would be dead on arrival).
ALREADY_EXPIRED = "This link's expiry has passed: it was imported as it was, answering 404."


class RowOutcome(NamedTuple):
    """What became of one row: ``kind`` is created, skipped or rejected; ``message`` says why
    it was rejected, or what its owner should know about a created link; ``untitled_link_id``:
    the id of a link created without a title, whose page's title a job fetches after the commit."""

    kind: str
    message: str = ""
    untitled_link_id: int | None = None


class ImportFileError(ValueError):
    """The upload cannot be imported at all; the message says why, for its owner."""


def _normalise(name: str | None) -> str:
    return (name or "").strip().lstrip("\ufeff").lower().replace(" ", "_").replace("-", "_")


def column_map(header: list[str]) -> dict[str, int]:
    """Our column name -> its index in ``header``; raises ImportFileError without a target column."""
    names = [_normalise(name) for name in header]
    found = {}
    for column, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in names:
                found[column] = names.index(alias)
                break
    if "target" not in found:
        raise ImportFileError(
            "The first row must name the columns, with one for the destination: "
            f"{', '.join(COLUMN_ALIASES['target'])} (and optionally slug, title, expiry).")
    return found


def read_upload(data: bytes, max_bytes: int, max_rows: int) -> tuple[str, int]:
    """The upload as text and its number of rows (header excluded); raises ImportFileError."""
    if len(data) > max_bytes:
        raise ImportFileError(f"The file is larger than {max_bytes / 1024 / 1024:g} MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("The file is not UTF-8 text. Save it as CSV (UTF-8).") from exc
    if "\x00" in text:
        raise ImportFileError("The file is not a CSV text file.")
    rows = _data_rows(text)
    count = sum(1 for _ in rows)
    if count == 0:
        raise ImportFileError("The file has no rows below its header.")
    if count > max_rows:
        raise ImportFileError(f"The file has {count:,} rows; at most {max_rows:,} can be imported at once.")
    return text, count


def _data_rows(text: str):
    """(spreadsheet row number, row, column map) of every non-empty row below the header."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError("The file is empty.")
        columns = column_map(header)
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row, columns
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV (line {reader.line_num}).") from exc


def start_import(owner_id: int, filename: str, data: bytes) -> LinkImport:
    """Check and store the upload, then queue its job (after the commit); raises ImportFileError."""
    config = current_app.config
    _check_pending(owner_id, config["IMPORT_PENDING_MAX"])
    _check_budget(owner_id)
    text, count = read_upload(data, config["IMPORT_MAX_BYTES"], config["IMPORT_MAX_ROWS"])
    link_import = LinkImport(owner_id=owner_id, filename=(filename or "links.csv")[:255], csv_text=text,
                             status="queued", total_rows=count, report=[])
    db.session.add(link_import)
    db.session.commit()
    enqueue(IMPORTS, "jobs.imports.run_import", link_import.id, on_failure="jobs.imports.import_failed")
    return link_import


PENDING = ("queued", "running")


def _check_budget(owner_id: int) -> None:
    """Refuse up front when the day's creations are spent: every new row would be rejected."""
    try:
        quota.check_address(owner_id)
    except quota.AddressNotConfirmed as refused:
        raise ImportFileError(str(refused)) from refused
    spent = quota.spent_window(owner_id, bulk=True)
    if spent is not None:
        raise ImportFileError(f"You have reached your link-creation limit ({spent.limit}): upload the "
                              f"file after {_utc(spent.reset_at)} UTC. {spent.why}".strip())


def _check_pending(owner_id: int, bound: int) -> None:
    """At most ``bound`` imports of one user wait or run: their files are stored until done, so
    this bounds what one user keeps in the database (``bound`` x IMPORT_MAX_BYTES)."""
    pending = db.session.scalar(select(func.count()).select_from(LinkImport).where(
        LinkImport.owner_id == owner_id, LinkImport.status.in_(PENDING)))
    if pending >= bound:
        raise ImportFileError(f"You have {pending} imports waiting or running (at most {bound}). "
                              "Upload this file when one of them is done.")


def get_import(owner_id: int, import_id: int) -> LinkImport | None:
    return db.session.scalar(
        select(LinkImport).where(LinkImport.id == import_id, LinkImport.owner_id == owner_id))


# --- the job -----------------------------------------------------------------------------

def run_import(import_id: int) -> None:
    """Import the stored file's rows from where a previous run stopped; commits per batch."""
    link_import = db.session.get(LinkImport, import_id)
    if link_import is None or link_import.status in ("done", "failed"):
        return  # deleted with its owner, a redelivered job, or one requeued after it failed for good
    link_import.status, link_import.failure_reason = "running", None
    db.session.commit()
    batch_size = current_app.config["IMPORT_BATCH_SIZE"]
    hosts = own_hosts(current_app.config["BASE_URL"], None)
    rows = list(_data_rows(link_import.csv_text))[link_import.processed_rows:]
    for start in range(0, len(rows), batch_size):
        _import_batch(link_import, rows[start:start + batch_size], hosts)
    link_import.status = "done"
    link_import.csv_text = ""  # the report says what became of each row: the file is not needed
    link_import.finished_at = utcnow()
    db.session.commit()


FAILURE_REASONS = (
    (JobTimeoutException, "It took longer than the time allowed."),
    (SQLAlchemyError, "The database could not be reached."),
)
OTHER_FAILURE = "An unexpected error stopped it."


def failure_reason(error: BaseException | None) -> str:
    """Why the import stopped, in words for its owner; the details are in the worker's log."""
    return next((reason for kind, reason in FAILURE_REASONS if isinstance(error, kind)), OTHER_FAILURE)


def mark_failed(import_id: int, reason: str) -> None:
    """Record that the import stopped for good (no retry left), so its page stops saying "running"."""
    db.session.rollback()  # the failed attempt may have left the transaction broken
    link_import = db.session.get(LinkImport, import_id)
    if link_import is None or link_import.status == "done":
        return
    link_import.status = "failed"
    link_import.csv_text = ""  # its page asks for the file again: nothing resumes a failed import
    link_import.failure_reason = reason[:255]
    link_import.finished_at = utcnow()
    db.session.commit()


def _import_batch(link_import: LinkImport, rows: list, hosts: frozenset[str]) -> None:
    """Import ``rows`` and commit them with the progress; a row the database refuses (a slug
    taken meanwhile, a value it rejects) sends the batch back and it is redone row by row, so
    that row alone is reported and nothing else is lost."""
    try:
        _import_rows(link_import, rows, hosts)
    except ROW_ERRORS:
        db.session.rollback()  # the batch's links and progress, back to the last commit
        log.info("import %s: a row of its batch was refused; importing it row by row",
                 link_import.id, exc_info=True)
        for row in rows:
            _import_alone(link_import, row, hosts)


# What one row can make the database refuse: a race for its slug, a value it will not store.
ROW_ERRORS = (IntegrityError, DataError)


def _import_alone(link_import: LinkImport, row: tuple, hosts: frozenset[str]) -> None:
    try:
        _import_rows(link_import, [row], hosts)
    except ROW_ERRORS:
        db.session.rollback()
        number, cells = row[0], _cells(row[1], row[2])
        reason = _refused_reason(link_import.owner_id, cells["slug"])
        _record(link_import, [(number, cells, RowOutcome("rejected", reason))])
        link_import.processed_rows += 1
        db.session.commit()


def _refused_reason(owner_id: int, slug: str) -> str:
    if slug and slug_taken(owner_id, slug):
        return _slug_used(slug)
    return "The database refused this row; check its values, or import it again."


def _import_rows(link_import: LinkImport, rows: list, hosts: frozenset[str]) -> None:
    outcomes = []
    for number, row, columns in rows:
        cells = _cells(row, columns)
        outcomes.append((number, cells, import_row(link_import.owner_id, cells, hosts)))
    _record(link_import, outcomes)
    link_import.processed_rows += len(rows)
    db.session.commit()  # the batch's links and the progress, together
    for _number, _cells_of_row, outcome in outcomes:
        if outcome.untitled_link_id is not None:
            titles.request_title(outcome.untitled_link_id)


def _record(link_import: LinkImport, outcomes: list[tuple[int, dict, RowOutcome]]) -> None:
    """Count the outcomes; the report lists rejected rows (with "reason") and created ones with
    something to know (with "note")."""
    reported = []
    for number, cells, outcome in outcomes:
        if outcome.kind == "created":
            link_import.created_count += 1
        elif outcome.kind == "skipped":
            link_import.skipped_count += 1
        else:
            link_import.rejected_count += 1
        if outcome.message:
            key = "reason" if outcome.kind == "rejected" else "note"
            reported.append({"row": number, "target": cells["target"][:200], key: outcome.message})
    link_import.report = [*link_import.report, *reported]  # a new list, so the change is saved


def _cells(row: list[str], columns: dict[str, int]) -> dict[str, str]:
    """Our column name -> the row's cell, trimmed, without the escaping our exports add for
    spreadsheets (shortener.spreadsheet_cells); "" for a column the file lacks."""
    cells = {name: unescape_cell(row[index]).strip() if index < len(row) else ""
             for name, index in columns.items()}
    return cells | {name: "" for name in COLUMN_ALIASES if name not in columns}


def import_row(owner_id: int, cells: dict[str, str], hosts: frozenset[str]) -> RowOutcome:
    """Add the row's link to the session (flushed): created, skipped, or rejected and why."""
    try:
        link = _link_of(owner_id, cells, hosts)
    except LinkRuleError as exc:
        return RowOutcome("rejected", str(exc))
    already = _already_there(owner_id, cells["slug"], link.target_url)
    if already is not None:
        return already
    try:
        quota.take_creation(owner_id, bulk=True)
    except quota.CreationLimitReached as reached:
        return RowOutcome("rejected", _over_limit(reached))
    except quota.AddressNotConfirmed as refused:  # registration is no longer open since the upload
        return RowOutcome("rejected", str(refused))
    link.slug = cells["slug"] or _free_random_slug(owner_id)
    # Only now: a row skipped or rejected above leaves no tag behind.
    link.tags = tagging.ensure_tags(owner_id, _tag_names(cells))
    db.session.add(link)
    db.session.flush()  # later rows of the file see this one
    return RowOutcome("created", _created_note(link, cells), None if link.title else link.id)


def _already_there(owner_id: int, slug: str, target_url: str) -> RowOutcome | None:
    """Skipped: this slug (any case) already leads to this target, or, without a slug, some link of
    the owner does; rejected: the slug leads elsewhere; None: the row is new."""
    mine = select(Link.target_url).where(Link.owner_id == owner_id)
    if not slug:
        found = db.session.scalar(mine.where(Link.target_url == target_url).limit(1))
        return RowOutcome("skipped") if found else None
    existing = db.session.scalar(mine.where(Link.slug_key == slug.lower()))
    if existing is None:
        return None
    return RowOutcome("skipped") if existing == target_url else RowOutcome("rejected", _slug_used(slug))


def _created_note(link: Link, cells: dict[str, str]) -> str:
    if _had_password(cells):
        return PASSWORD_NOT_CARRIED
    return ALREADY_EXPIRED if link.expires_at is not None and link.expires_at <= utcnow() else ""


def _over_limit(reached: quota.CreationLimitReached) -> str:
    return (f"Over your link-creation limit ({reached.limit}): import the file again after "
            f"{_utc(reached.reset_at)} UTC (the rows imported by then are skipped). {reached.why}".strip())


def _utc(unix_time: float) -> str:
    return datetime.fromtimestamp(unix_time, UTC).strftime("%Y-%m-%d %H:%M")


def _slug_used(slug: str) -> str:
    return f"The short name {slug!r} is already used for another link."


def _link_of(owner_id: int, cells: dict[str, str], hosts: frozenset[str]) -> Link:
    """The row's link, not added to the session (no slug yet); raises LinkRuleError."""
    if cells["slug"]:
        rules.check_slug(cells["slug"])
    expires_at = _expiry(cells["expiry"])
    link = Link(owner_id=owner_id, target_url=rules.check_target(cells["target"], hosts),
                title=rules.check_title(cells["title"]), expires_at=expires_at,
                # A link that had a password comes back off: it must not become public.
                is_active=_flag("active", cells["active"], True) and not _had_password(cells))
    apply_options(link, _options(cells))
    _tag_names(cells)  # checked with the rest; the tags are set once the row is known to be new
    return link


def _options(cells: dict[str, str]) -> LinkOptions:
    return LinkOptions(
        starts_at=rules.parse_moment("starts_at", cells["starts_at"]) if cells["starts_at"] else None,
        click_limit=_whole_number("click_limit", cells["click_limit"]),
        redirect_code=_whole_number("redirect_code", cells["redirect_code"]) or rules.DEFAULT_REDIRECT_CODE,
        forward_query=_flag("forward_query", cells["forward_query"], False),
        public_stats=_flag("public_stats", cells["public_stats"], False),
    )


def _tag_names(cells: dict[str, str]) -> list[str]:
    """The row's tags: names separated by commas (our export) or '|'; raises LinkRuleError."""
    return tagging.check_tags(tagging.split_tags(cells.get("tags", "").replace("|", ",")))


def _had_password(cells: dict[str, str]) -> bool:
    return _flag("has_password", cells["has_password"], False)


def _flag(field: str, value: str, default: bool) -> bool:
    if not value:
        return default
    if value.lower() not in FLAGS:
        raise LinkRuleError(field, f"The {field} column holds {value[:20]!r}: use true or false.")
    return FLAGS[value.lower()]


def _whole_number(field: str, value: str) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 10):
        raise LinkRuleError(field, f"The {field} column holds {value[:20]!r}: use a whole number.")
    return int(value)


def _expiry(value: str) -> datetime | None:
    return rules.parse_moment("expiry", value) if value else None


def _free_random_slug(owner_id: int) -> str:
    for _ in range(RANDOM_SLUG_ATTEMPTS):
        slug = random_slug()
        if not slug_taken(owner_id, slug):
            return slug
    raise LinkRuleError("slug", "Could not find a free short name; import the file again.")
