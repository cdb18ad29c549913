"""Small builders and fault injectors shared by the tests."""

import re
import time
from contextlib import contextmanager
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from rq import Queue
from sqlalchemy import create_engine, event, func, select, text, update
from sqlalchemy.exc import OperationalError

from shortener.accounts import reset_tokens
from shortener.clicks.events import new_event
from shortener.clicks.storage import save_clicks
from shortener.extensions import db
from shortener.models import Click, DailyClicks, Link, PasswordResetToken, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "a whole new passphrase"


# --- rows ------------------------------------------------------------------------

def add_link(app, owner_id: int, slug: str = "abc", target: str = "https://example.com/",
             **columns) -> int:
    """Insert a link of ``owner_id`` and return its id; ``columns`` are other Link fields
    (title, is_active, expires_at, click_count, created_at)."""
    with app.app_context():
        link = Link(owner_id=owner_id, slug=slug, target_url=target, **columns)
        db.session.add(link)
        db.session.commit()
        return link.id


def make_event(link_id: int, clicked_at: datetime | None = None) -> dict:
    return new_event(link_id, clicked_at or datetime(2026, 11, 20, 12, 0), "https://ref.test/",
                     "pytest-agent", "192.0.2.0")


def store_events(app, events: list[dict]) -> int:
    """Store ``events`` through the pipeline's own idempotent writer; return how many were new."""
    with app.app_context():
        return save_clicks(events)


def counts(app, link_id: int) -> tuple[int, int, int]:
    """(click rows, Link.click_count, sum of daily rollups) for ``link_id``."""
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Click).where(Click.link_id == link_id))
        counted = db.session.scalar(select(Link.click_count).where(Link.id == link_id))
        rolled = db.session.scalar(
            select(func.coalesce(func.sum(DailyClicks.clicks), 0)).where(DailyClicks.link_id == link_id)
        )
        return rows, counted, rolled


def issue_token(app, user_id: int, now: datetime | None = None, **changes) -> str:
    """A password reset token of ``user_id``, issued at ``now``; ``changes`` are set on its row."""
    with app.app_context():
        token = reset_tokens.issue(db.session.get(User, user_id), now=now)
        if changes:
            db.session.execute(update(PasswordResetToken)
                               .where(PasswordResetToken.token_hash == reset_tokens.hash_token(token))
                               .values(**changes))
            db.session.commit()
        return token


# --- pages -----------------------------------------------------------------------

def register(client, username="bob", email=None, password=PASSWORD, confirm=None, **extra):
    """Post the registration form; the address defaults to <username>@example.com."""
    return client.post("/auth/register", data={
        "username": username,
        "email": f"{username.strip().lower()}@example.com" if email is None else email,
        "password": password, "confirm": password if confirm is None else confirm, **extra,
    })


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


# --- mail ------------------------------------------------------------------------

def email_queue(connection) -> Queue:
    return Queue("email", connection=connection)


def sent_mails(app) -> list[EmailMessage]:
    """The messages in the app's outbox folder (where mail goes without MAIL_SERVER), oldest first."""
    parser = BytesParser(policy=policy.default)
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    return [parser.parsebytes(path.read_bytes()) for path in sorted(outbox.glob("*.eml"))]


def mail_bodies(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of a sent message."""
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


# --- faults ----------------------------------------------------------------------

class DatabaseFault:
    """Counts the statements it made fail (``hits``); see ``database_fault``."""

    def __init__(self, statement_prefix: str, times: int | None):
        self.prefix = statement_prefix.upper()
        self.times = times
        self.hits = 0

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if self.times is not None and self.hits >= self.times:
            return
        if statement.lstrip().upper().startswith(self.prefix):
            self.hits += 1
            raise OperationalError(statement, parameters, Exception("database is down"))


@contextmanager
def database_fault(app, statement_prefix: str = "INSERT INTO clicks", times: int | None = None):
    """Make the app's statements starting with ``statement_prefix`` fail with an
    OperationalError, as a database outage would: every one, or the first ``times``."""
    with app.app_context():
        engine = db.engine
    fault = DatabaseFault(statement_prefix, times)
    event.listen(engine, "before_cursor_execute", fault)
    try:
        yield fault
    finally:
        event.remove(engine, "before_cursor_execute", fault)


@contextmanager
def database_hang(database_url: str, link_id: int):
    """Make a click job on ``link_id`` block mid-transaction (a hang, not an error) until
    the block exits, by holding a lock from another connection."""
    engine = create_engine(database_url)
    conn = engine.connect()
    try:
        if engine.dialect.name == "postgresql":
            # Lets the INSERT into clicks through, blocks the click_count UPDATE.
            conn.execute(text("SELECT id FROM links WHERE id = :id FOR NO KEY UPDATE"), {"id": link_id})
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # SQLite: one writer at a time
        yield
    finally:
        conn.rollback()
        conn.close()
        engine.dispose()


# --- waiting on real processes and threads -----------------------------------------

def wait_until(predicate, timeout: float = 20.0) -> None:
    """Poll ``predicate`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)
