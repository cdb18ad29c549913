"""Small builders and fault injectors shared by the tests."""

import re
import threading
from contextlib import contextmanager
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from rq import Queue
from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from shortener.accounts import reset_tokens, user_sessions
from shortener.accounts.models import PasswordResetToken, User
from shortener.api import tokens as api_tokens
from shortener.background.worker import InProcessWorker
from shortener.clicks import ranges
from shortener.clicks.events import new_event
from shortener.clicks.storage import save_clicks
from shortener.dev.embedded_redis import free_port
from shortener.extensions import db
from shortener.links.models import Link
from shortener.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.support.harness import counts, wait_until  # noqa: F401  (the tests' names for them)

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


def make_api_token(app, owner_id: int, name: str = "script") -> tuple[int, str]:
    """A personal API token of ``owner_id``: (its id, the token itself)."""
    with app.app_context():
        row, token = api_tokens.create_token(owner_id, name)
        return row.id, token


# --- pages -----------------------------------------------------------------------

def register(client, username="bob", email=None, password=PASSWORD, confirm=None, **extra):
    """Post the registration form; the address defaults to <username>@example.com."""
    return client.post("/auth/register", data={
        "username": username,
        "email": f"{username.strip().lower()}@example.com" if email is None else email,
        "password": password, "confirm": password if confirm is None else confirm, **extra,
    })


def sign_in(app, client, user_id: int, remember: bool = False) -> str:
    """Log ``client`` in as ``user_id`` without the login form (which needs a CSRF token
    when CSRF is on); returns the login's session id."""
    with app.app_context():
        token = user_sessions.start(db.session.get(User, user_id), remember)
    with client.session_transaction() as session:
        session["_user_id"] = token  # Flask-Login's own session key
    return token


def login_with_csrf(client, login: str = "alice", password: str = PASSWORD):
    """Log in through the real form of an app that checks CSRF tokens."""
    page = client.get("/auth/login").get_data(as_text=True)
    return client.post("/auth/login", data={"login": login, "password": password,
                                            "csrf_token": csrf_token(page)})


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


# --- jobs ------------------------------------------------------------------------

def run_jobs(app, connection, *queues: str, with_scheduler: bool = False) -> None:
    """Run what waits on ``queues`` (default: clicks) with a real in-process worker, in burst mode."""
    with app.app_context():
        InProcessWorker(list(queues or ["clicks"]), connection=connection).work(
            burst=True, with_scheduler=with_scheduler)


# --- faults ----------------------------------------------------------------------

@contextmanager
def recorded_statements(app):
    """The SQL statements the app runs inside the block, as a list that fills up."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


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


# --- analytics -------------------------------------------------------------------

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
DESKTOP_CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")
SLACKBOT = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"


def roll_ranges(app, today: date | None = None) -> dict[str, str]:
    """Run the daily roll of the breakdown ranges as of ``today``: they grow from then on."""
    with app.app_context():
        return ranges.roll(today or utcnow().date())


def rollup_snapshot(app) -> dict:
    """Every rollup table's rows and the links' totals, to compare before and after a replay."""
    tables = ("daily_clicks", "hourly_clicks", "daily_breakdown", "daily_visitors", "range_breakdown",
              "range_starts")
    with app.app_context():
        snapshot = {table: sorted(map(tuple, db.session.execute(text(f"SELECT * FROM {table}"))))
                    for table in tables}
        snapshot["links"] = sorted(db.session.execute(select(Link.id, Link.click_count, Link.bot_count)))
        return snapshot


# --- live servers ----------------------------------------------------------------

def serve(wsgi_app) -> tuple[str, callable]:
    """Serve ``wsgi_app`` on a free loopback port in a thread; (base URL, stop)."""
    server = make_server("127.0.0.1", free_port(), wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop
