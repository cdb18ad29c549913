"""jobs/email.py: the sign-up and password reset mail jobs (outbox, SMTP, retries of
transient failures only) and the token cleanup job."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import func, select, update

from jobs.email import cleanup_expired_tokens, send_password_reset_for
from shortener.accounts import login_networks, reset_tokens
from shortener.accounts.models import LoginNetwork, PasswordResetToken, User
from shortener.background import queues
from shortener.background.worker import InProcessWorker
from shortener.dev.embedded_redis import free_port
from shortener.extensions import db
from shortener.timeutil import utcnow
from tests.conftest import AuthActions, use_redis
from tests.helpers import email_queue, issue_token, mail_bodies, register, sent_mails

BASE_URL = "http://sho.rt.test"


def run_email_jobs(app, connection) -> None:
    """Run the queued email jobs with a real (in-process) RQ worker, in burst mode."""
    with app.app_context():
        InProcessWorker(["email"], connection=connection).work(burst=True, with_scheduler=True)


# --- what the jobs send ------------------------------------------------------------

def test_reset_link_is_built_from_base_url_not_the_host_header(app, client, auth, fake_redis):
    auth.create_user("alice")
    client.post("/auth/forgot-password", data={"email": "alice@example.com"},
                headers={"Host": "evil.example"})
    run_email_jobs(app, fake_redis)
    [message] = sent_mails(app)
    assert message["To"] == "alice@example.com"
    plain, html = mail_bodies(message)
    token = re.search(r"/reset-password/([A-Za-z0-9_-]+)", plain).group(1)
    with app.app_context():
        assert reset_tokens.find_valid(token) is not None
    link = f"{BASE_URL}/auth/reset-password/{token}"
    assert link in plain and f'href="{link}"' in html
    assert "evil" not in plain + html


def test_reset_job_for_an_unknown_address_stores_and_sends_nothing(app, auth):
    auth.create_user("alice")
    with app.app_context():
        send_password_reset_for("nobody@example.com")
        assert db.session.scalar(select(PasswordResetToken)) is None
    assert sent_mails(app) == []


def test_an_address_gets_at_most_the_capped_number_of_reset_mails(make_app, auth, caplog):
    app = make_app(RATELIMIT_RESET_MAIL="2 per hour")
    AuthActions(app, app.test_client()).create_user("alice")
    with app.app_context():
        for _ in range(4):
            send_password_reset_for("Alice@example.com")
    assert len(sent_mails(app)) == 2
    assert "over RATELIMIT_RESET_MAIL" in caplog.text


def test_cleanup_removes_only_expired_or_used_tokens(app, auth):
    user_id = auth.create_user("alice")
    now = utcnow()
    long_ago = now - timedelta(seconds=app.config["PASSWORD_RESET_TTL"]) - timedelta(minutes=1)
    valid = issue_token(app, user_id)
    issue_token(app, user_id, now=long_ago)
    issue_token(app, user_id, used_at=now)
    issue_token(app, user_id, now=long_ago, used_at=now)
    with app.app_context():
        assert cleanup_expired_tokens() == 3
        [left] = db.session.scalars(select(PasswordResetToken.token_hash))
        assert cleanup_expired_tokens() == 0
    assert left == reset_tokens.hash_token(valid)


# --- permanent failures are not retried ----------------------------------------------

def test_a_bad_recipient_address_fails_at_once(app, auth, fake_redis, caplog):
    auth.create_user("alice")
    with app.app_context():
        db.session.execute(update(User).values(email="alice@@example.com"))
        db.session.commit()
        job = queues.enqueue(queues.EMAIL, "jobs.email.send_password_reset_for", "alice@@example.com")
    run_email_jobs(app, fake_redis)
    assert job.id in FailedJobRegistry("email", connection=fake_redis)
    assert ScheduledJobRegistry("email", connection=fake_redis).count == 0
    assert "failed permanently" in caplog.text


def test_mail_links_without_base_url_fail_at_once_and_say_why(make_app, app, fake_redis, caplog):
    no_base = make_app(BASE_URL=None)
    register(no_base.test_client())
    run_email_jobs(no_base, fake_redis)
    assert FailedJobRegistry("email", connection=fake_redis).count == 1
    assert ScheduledJobRegistry("email", connection=fake_redis).count == 0
    assert "BASE_URL is not set" in caplog.text
    assert sent_mails(no_base) == []


# --- a real SMTP server and a real worker ---------------------------------------------

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
def smtp_app(make_app, redis_server, real_redis):
    def build(port, **settings):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False,
                       MAIL_TIMEOUT=5, REDIS_URL=redis_server.url, **settings)
        use_redis(app, real_redis)
        return app

    return build


@pytest.mark.integration
def test_smtp_4xx_is_retried_and_the_mail_delivered_once(smtp_server, smtp_app, real_redis):
    handler, port = smtp_server("451 4.3.0 Try again later")
    app = smtp_app(port, EMAIL_RETRY_MAX=3, EMAIL_RETRY_INTERVALS=[60, 60, 60])
    assert register(app.test_client()).status_code == 200
    [job_id] = email_queue(real_redis).job_ids

    run_email_jobs(app, real_redis)
    scheduled = ScheduledJobRegistry("email", connection=real_redis)
    assert (handler.attempts, handler.delivered) == (1, [])
    assert job_id in scheduled  # Retry(interval=60): waiting for the scheduler

    # Step time instead of waiting the interval out: the retry is due now.
    scheduled.schedule(email_queue(real_redis).fetch_job(job_id), datetime.now(UTC))
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
    assert "registration mail to sign-up" in caplog.text and "failed permanently" in caplog.text


@pytest.mark.integration
def test_refused_connection_is_retried(smtp_app, real_redis):
    app = smtp_app(free_port(), EMAIL_RETRY_MAX=2, EMAIL_RETRY_INTERVALS=[60, 60])
    register(app.test_client())
    [job_id] = email_queue(real_redis).job_ids
    run_email_jobs(app, real_redis)
    assert job_id in ScheduledJobRegistry("email", connection=real_redis)
    assert email_queue(real_redis).fetch_job(job_id).retries_left == 1


def test_cleanup_forgets_login_networks_unused_for_long(app, auth):
    user_id = auth.create_user("alice")
    with app.app_context():
        long_ago = utcnow() - timedelta(days=login_networks.KEPT_DAYS, minutes=1)
        login_networks.remember(user_id, "192.0.2.0/24", now=long_ago)
        login_networks.remember(user_id, "198.51.100.0/24")
        cleanup_expired_tokens()
        assert db.session.scalar(select(func.count()).select_from(LoginNetwork)) == 1
