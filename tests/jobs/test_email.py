"""Issue 5: welcome and password reset mail, the reset pages, and the email jobs
(outbox, SMTP, retries of transient failures only, token cleanup)."""

import hashlib
import smtplib
import time
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from rq import Queue
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import select, text, update

from jobs.email import cleanup_expired_tokens, send_password_reset_email
from shortener.accounts import mail as mailer
from shortener.accounts import reset_tokens
from shortener.background import queues
from shortener.background.worker import InProcessWorker
from shortener.dev.embedded_redis import free_port
from shortener.extensions import db
from shortener.models import PasswordResetToken, User
from shortener.timeutil import utcnow
from tests.conftest import PASSWORD, use_redis

NEW_PASSWORD = "a whole new passphrase"
BASE_URL = "http://sho.rt.test"


@pytest.fixture
def outbox(tmp_path):
    return tmp_path / "outbox"


@pytest.fixture
def app(make_app, outbox):
    return make_app(MAIL_OUTBOX_DIR=str(outbox))


def email_queue(connection) -> Queue:
    return Queue("email", connection=connection)


def run_email_jobs(app, connection) -> None:
    """Run the queued email jobs with a real (in-process) RQ worker, in burst mode."""
    with app.app_context():
        InProcessWorker(["email"], connection=connection).work(burst=True, with_scheduler=True)


def mails(outbox) -> list:
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in sorted(outbox.glob("*.eml"))]


def bodies(message) -> tuple[str, str]:
    text_part = message.get_body(("plain",)).get_content()
    html_part = message.get_body(("html",)).get_content()
    return text_part, html_part


def register(client, username="bob"):
    return client.post("/auth/register", data={
        "username": username, "email": f"{username}@example.com",
        "password": PASSWORD, "confirm": PASSWORD,
    })


# --- welcome mail ------------------------------------------------------------

def test_welcome_mail_is_queued_only_after_the_user_is_committed(app, client, monkeypatch):
    seen_from_another_connection = []
    real_enqueue = mailer.enqueue

    def enqueue_and_look(queue_name, func, *args, **options):
        with db.engine.connect() as other:  # sees only what was committed
            row = other.execute(text("SELECT username FROM users WHERE id = :id"),
                                {"id": args[0]}).one_or_none()
        seen_from_another_connection.append((func.rpartition(".")[2], row))
        return real_enqueue(queue_name, func, *args, **options)

    monkeypatch.setattr(mailer, "enqueue", enqueue_and_look)
    assert register(client).status_code == 302
    assert seen_from_another_connection == [("send_welcome_email", ("bob",))]


def test_welcome_mail_is_rendered_for_the_new_user(app, client, fake_redis, outbox):
    register(client, "alice")
    register(client.application.test_client(), "bob")
    run_email_jobs(app, fake_redis)
    sent = {message["To"]: message for message in mails(outbox)}
    assert sorted(sent) == ["alice@example.com", "bob@example.com"]
    message = sent["bob@example.com"]
    assert message["Subject"] == "Welcome to shortener"
    plain, html = bodies(message)
    assert "Hello bob," in plain and f"{BASE_URL}/" in plain
    assert "Welcome, bob!" in html and f'href="{BASE_URL}/"' in html
    assert "alice" not in plain + html


def test_registration_stands_when_redis_is_down(make_app, app, caplog):
    broken = make_app(REDIS_URL="redis://127.0.0.1:1/0")  # the real clients, to a closed port
    response = register(broken.test_client())
    assert response.status_code == 302
    with broken.app_context():
        assert db.session.scalar(select(User.username)) == "bob"
    assert "could not queue jobs.email.send_welcome_email" in caplog.text


def test_without_mail_server_mail_goes_to_the_outbox_and_is_logged(app, outbox, caplog):
    with app.app_context():
        path = mailer.send("carol@example.com", "Hi", "welcome",
                           user=User(username="carol"), dashboard_url=BASE_URL + "/")
    assert path.startswith(str(outbox)) and path.endswith(".eml")
    assert path in caplog.text
    [message] = mails(outbox)
    assert message["To"] == "carol@example.com"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]


@pytest.mark.parametrize("base_url, expected", [
    ("https://sho.rt", "https://sho.rt/auth/reset-password/abc"),
    ("https://example.com/s", "https://example.com/s/auth/reset-password/abc"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000/auth/reset-password/abc"),
])
def test_external_urls_are_built_on_base_url(app, base_url, expected):
    app.config["BASE_URL"] = base_url
    with app.test_request_context(base_url="http://evil.example"):
        assert mailer.external_url("auth.reset_password", token="abc") == expected


# --- asking for a reset --------------------------------------------------------

def ask_reset(client, email, **extra):
    return client.post("/auth/forgot-password", data={"email": email}, **extra)


def test_unknown_address_gets_the_same_answer_and_no_mail(client, auth, fake_redis):
    auth.create_user("alice")
    unknown = ask_reset(client, "nobody@example.com")
    assert email_queue(fake_redis).count == 0
    known = ask_reset(client, "alice@example.com")
    assert email_queue(fake_redis).count == 1
    assert (unknown.status_code, unknown.headers.get("Set-Cookie")) == (200, None)
    assert (known.status_code, known.headers.get("Set-Cookie")) == (200, None)
    assert unknown.get_data() == known.get_data()
    assert "Check your email" in known.get_data(as_text=True)


@pytest.mark.parametrize("email", ["", "not-an-email", "a\x00@example.com", "x" * 300])
def test_reset_request_with_a_malformed_address_is_a_form_error(client, fake_redis, email):
    response = ask_reset(client, email)
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    assert email_queue(fake_redis).count == 0


def test_token_is_stored_only_as_its_hash(app, client, auth, fake_redis):
    user_id = auth.create_user("alice")
    ask_reset(client, "ALICE@example.com ")
    [job] = email_queue(fake_redis).jobs
    assert job.func_name == "jobs.email.send_password_reset_email"
    assert job.description == f"send_password_reset_email(user_id={user_id})"
    job_user_id, token = job.args
    assert job_user_id == user_id and len(token) >= 43  # 32 random bytes, URL-safe
    with app.app_context():
        [stored] = db.session.scalars(select(PasswordResetToken))
        row = db.session.execute(text("SELECT * FROM password_reset_tokens")).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in [str(value) for value in row]
    expected = timedelta(seconds=app.config["PASSWORD_RESET_TTL"])
    assert stored.expires_at - stored.created_at == expected == timedelta(hours=1)


def test_reset_link_is_built_from_base_url_not_the_host_header(app, client, auth, fake_redis,
                                                               outbox):
    auth.create_user("alice")
    ask_reset(client, "alice@example.com", headers={"Host": "evil.example"})
    token = email_queue(fake_redis).jobs[0].args[1]
    run_email_jobs(app, fake_redis)
    [message] = mails(outbox)
    assert message["To"] == "alice@example.com"
    plain, html = bodies(message)
    link = f"{BASE_URL}/auth/reset-password/{token}"
    assert link in plain and f'href="{link}"' in html
    assert "evil" not in plain + html


def test_reset_requests_are_throttled_per_address_and_per_ip(make_app, outbox):
    app = make_app(RATELIMIT_RESET="2 per minute", MAIL_OUTBOX_DIR=str(outbox))
    client = app.test_client()

    def ask(email, ip):
        return ask_reset(client, email, environ_base={"REMOTE_ADDR": ip}).status_code

    assert [ask("alice@example.com", ip) for ip in ("192.0.2.1", "192.0.2.2")] == [200, 200]
    assert ask("Alice@Example.com", "192.0.2.3") == 429  # same address, third IP
    assert [ask(f"{name}@example.com", "198.51.100.9") for name in ("bo", "cy", "di")] == [
        200, 200, 429]  # one IP, many addresses


# --- using a reset link --------------------------------------------------------

def issue_token(app, user_id, **changes) -> str:
    with app.app_context():
        token = reset_tokens.issue(db.session.get(User, user_id))
        if changes:
            stored_hash = reset_tokens.hash_token(token)
            db.session.execute(update(PasswordResetToken)
                               .where(PasswordResetToken.token_hash == stored_hash)
                               .values(**changes))
            db.session.commit()
        return token


def reset(client, token, password=NEW_PASSWORD, confirm=None):
    return client.post(f"/auth/reset-password/{token}",
                       data={"password": password, "confirm": confirm or password})


def test_reset_sets_the_password_once_and_ends_every_session(app, client, auth, logged_in):
    token = issue_token(app, logged_in)
    stranger = app.test_client()
    page = stranger.get(f"/auth/reset-password/{token}")
    assert page.status_code == 200 and 'name="confirm"' in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"

    response = reset(stranger, token)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert stranger.get("/auth/login").status_code == 200  # the reset does not log in
    assert client.get("/auth/login").status_code == 200  # alice's old session is over
    assert auth.login("alice", PASSWORD).status_code == 200
    assert auth.login("alice", NEW_PASSWORD).status_code == 302
    assert reset(stranger, token, "yet another password").status_code == 400
    with app.app_context():
        [used] = db.session.scalars(select(PasswordResetToken))
        assert used.used_at is not None


def test_reset_ends_the_other_reset_links(app, auth):
    user_id = auth.create_user("alice")
    first, second = issue_token(app, user_id), issue_token(app, user_id)
    client = app.test_client()
    assert reset(client, second).status_code == 302
    assert reset(client, first, "yet another password").status_code == 400
    assert auth.login("alice", NEW_PASSWORD).status_code == 302


def tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize("spoil", [
    lambda token: tampered(token),
    lambda token: token[:-1],
    lambda token: token + "A",
    lambda token: token.upper(),
    lambda token: "x",
    lambda token: "%00" + token,
    lambda token: "é" * 43,
    lambda token: "A" * 5000,
])
def test_tampered_tokens_are_rejected(app, auth, spoil):
    token = issue_token(app, auth.create_user("alice"))
    client = app.test_client()
    assert client.get(f"/auth/reset-password/{spoil(token)}").status_code == 400
    assert reset(client, spoil(token)).status_code == 400
    assert auth.login("alice", PASSWORD).status_code == 302


def test_expired_token_is_rejected(app, auth):
    user_id = auth.create_user("alice")
    token = issue_token(app, user_id, expires_at=utcnow() - timedelta(seconds=1))
    client = app.test_client()
    page = client.get(f"/auth/reset-password/{token}")
    assert page.status_code == 400 and "not valid" in page.get_data(as_text=True)
    assert reset(client, token).status_code == 400
    assert auth.login("alice", PASSWORD).status_code == 302


def test_mismatched_new_passwords_leave_the_token_usable(app, auth):
    token = issue_token(app, auth.create_user("alice"))
    client = app.test_client()
    response = reset(client, token, NEW_PASSWORD, NEW_PASSWORD + "?")
    assert response.status_code == 200 and "do not match" in response.get_data(as_text=True)
    assert reset(client, token, "short").status_code == 200
    assert reset(client, token).status_code == 302


def test_reset_mail_is_not_sent_for_a_link_already_used(app, auth, outbox):
    user_id = auth.create_user("alice")
    token = issue_token(app, user_id)
    assert reset(app.test_client(), token).status_code == 302
    with app.app_context():
        send_password_reset_email(user_id, token)
    assert mails(outbox) == []


# --- cleanup ------------------------------------------------------------------

def test_cleanup_removes_only_expired_or_used_tokens(app, auth):
    user_id = auth.create_user("alice")
    now = utcnow()
    valid = issue_token(app, user_id)
    issue_token(app, user_id, expires_at=now - timedelta(minutes=1))
    issue_token(app, user_id, used_at=now)
    issue_token(app, user_id, used_at=now, expires_at=now - timedelta(minutes=1))
    with app.app_context():
        assert cleanup_expired_tokens() == 3
        [left] = db.session.scalars(select(PasswordResetToken.token_hash))
        assert cleanup_expired_tokens() == 0
    assert left == reset_tokens.hash_token(valid)


# --- which failures are worth retrying ----------------------------------------

@pytest.mark.parametrize("error, permanent", [
    (ConnectionRefusedError(111, "Connection refused"), False),
    (TimeoutError("timed out"), False),
    (smtplib.SMTPServerDisconnected("gone"), False),
    (smtplib.SMTPConnectError(421, b"busy"), False),
    (smtplib.SMTPDataError(451, b"try later"), False),
    (smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"mailbox busy")}), False),
    (smtplib.SMTPDataError(554, b"rejected"), True),
    (smtplib.SMTPSenderRefused(553, b"bad sender", "x@example.com"), True),
    (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}), True),
    (smtplib.SMTPAuthenticationError(535, b"bad credentials"), True),
    (smtplib.SMTPNotSupportedError("no STARTTLS"), True),
    (mailer.PermanentMailError("invalid recipient"), True),
])
def test_permanent_failures_are_told_apart(error, permanent):
    assert mailer.is_permanent(error) is permanent


def test_a_bad_recipient_address_fails_at_once(app, auth, fake_redis, caplog):
    user_id = auth.create_user("alice")
    with app.app_context():
        db.session.execute(update(User).values(email="alice@@example.com"))
        db.session.commit()
        job = queues.enqueue(queues.EMAIL, "jobs.email.send_welcome_email", user_id)
    run_email_jobs(app, fake_redis)
    assert job.id in FailedJobRegistry("email", connection=fake_redis)
    assert ScheduledJobRegistry("email", connection=fake_redis).count == 0
    assert "failed permanently" in caplog.text


def test_mail_links_without_base_url_fail_at_once_and_say_why(make_app, app, outbox, fake_redis,
                                                              caplog):
    no_base = make_app(BASE_URL=None, MAIL_OUTBOX_DIR=str(outbox))
    register(no_base.test_client())
    run_email_jobs(no_base, fake_redis)
    assert FailedJobRegistry("email", connection=fake_redis).count == 1
    assert ScheduledJobRegistry("email", connection=fake_redis).count == 0
    assert "BASE_URL is not set" in caplog.text
    assert mails(outbox) == []


# --- a real SMTP server and a real worker ---------------------------------------

class ScriptedSMTP:
    """An aiosmtpd handler answering DATA with scripted replies, then "250"."""

    def __init__(self, *replies: str):
        self.replies = list(replies)
        self.attempts = 0
        self.delivered: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        reply = self.replies.pop(0) if self.replies else "250 2.0.0 OK"
        if reply.startswith("250"):
            self.delivered.append(envelope.content)
        return reply


@pytest.fixture
def smtp_server():
    servers = []

    def start(*replies):
        handler = ScriptedSMTP(*replies)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        servers.append(controller)
        return handler, controller.port

    yield start
    for controller in servers:
        controller.stop()


@pytest.fixture
def smtp_app(make_app, redis_server, real_redis, outbox):
    def build(port, **settings):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False,
                       MAIL_TIMEOUT=5, MAIL_OUTBOX_DIR=str(outbox), REDIS_URL=redis_server.url,
                       **settings)
        use_redis(app, real_redis)
        return app

    return build


def wait_until_due(registry: ScheduledJobRegistry, job_id: str) -> None:
    due = registry.get_scheduled_time(job_id).timestamp()
    time.sleep(max(0.0, due - time.time()) + 0.05)


@pytest.mark.integration
def test_smtp_4xx_is_retried_and_the_mail_delivered_once(smtp_server, smtp_app, real_redis):
    handler, port = smtp_server("451 4.3.0 Try again later")
    app = smtp_app(port, EMAIL_RETRY_MAX=3, EMAIL_RETRY_INTERVALS=[1, 1, 1])
    assert register(app.test_client()).status_code == 302
    [job_id] = email_queue(real_redis).job_ids

    run_email_jobs(app, real_redis)
    scheduled = ScheduledJobRegistry("email", connection=real_redis)
    assert (handler.attempts, handler.delivered) == (1, [])
    assert job_id in scheduled  # Retry(interval=1): waiting for the scheduler

    wait_until_due(scheduled, job_id)
    run_email_jobs(app, real_redis)  # with_scheduler: moves the due job back, then runs it
    run_email_jobs(app, real_redis)
    assert handler.attempts == 2 and len(handler.delivered) == 1
    assert b"Hello bob," in handler.delivered[0]
    assert scheduled.count == 0 and FailedJobRegistry("email", connection=real_redis).count == 0


@pytest.mark.integration
def test_smtp_5xx_fails_at_once_without_retries(smtp_server, smtp_app, real_redis, app, caplog):
    handler, port = smtp_server("554 5.7.1 Message rejected")
    app = smtp_app(port, EMAIL_RETRY_MAX=3, EMAIL_RETRY_INTERVALS=[0, 0, 0])
    register(app.test_client())
    [job_id] = email_queue(real_redis).job_ids

    run_email_jobs(app, real_redis)
    run_email_jobs(app, real_redis)
    assert (handler.attempts, handler.delivered) == (1, [])
    assert job_id in FailedJobRegistry("email", connection=real_redis)
    assert ScheduledJobRegistry("email", connection=real_redis).count == 0
    assert "welcome mail to user" in caplog.text and "failed permanently" in caplog.text


@pytest.mark.integration
def test_refused_connection_is_retried(smtp_app, real_redis):
    app = smtp_app(free_port(), EMAIL_RETRY_MAX=2, EMAIL_RETRY_INTERVALS=[60, 60])
    register(app.test_client())
    [job_id] = email_queue(real_redis).job_ids
    run_email_jobs(app, real_redis)
    assert job_id in ScheduledJobRegistry("email", connection=real_redis)
    assert email_queue(real_redis).fetch_job(job_id).retries_left == 1
