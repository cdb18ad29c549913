"""shortener/accounts/mail.py: rendering and sending mail, links on BASE_URL, and
telling permanent sending failures from transient ones."""

import smtplib

import pytest

from shortener.accounts import mail as mailer
from shortener.accounts.models import User
from tests.helpers import sent_mails

NOTICE = {"user": User(username="carol"), "login_url": "http://sho.rt.test/auth/login",
          "reset_url": "http://sho.rt.test/auth/forgot-password"}


def test_without_mail_server_mail_goes_to_the_outbox_and_is_logged(app, caplog):
    with app.app_context():
        path = mailer.send("carol@example.com", "Hi", "register_exists", **NOTICE)
    assert path.startswith(app.config["MAIL_OUTBOX_DIR"]) and path.endswith(".eml")
    assert path in caplog.text
    [message] = sent_mails(app)
    assert message["To"] == "carol@example.com"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]


def test_a_malformed_recipient_is_a_permanent_error_and_nothing_is_written(app):
    with app.app_context(), pytest.raises(mailer.PermanentMailError, match="invalid recipient"):
        mailer.send("carol@@example.com", "Hi", "register_exists", **NOTICE)
    assert sent_mails(app) == []


@pytest.mark.parametrize("base_url, expected", [
    ("https://sho.rt", "https://sho.rt/auth/reset-password/abc"),
    ("https://example.com/s", "https://example.com/s/auth/reset-password/abc"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000/auth/reset-password/abc"),
])
def test_external_urls_are_built_on_base_url(app, base_url, expected):
    app.config["BASE_URL"] = base_url
    with app.test_request_context(base_url="http://evil.example"):
        assert mailer.external_url("auth.reset_password", token="abc") == expected


def test_external_urls_without_base_url_are_a_permanent_error(app):
    app.config["BASE_URL"] = None
    with app.test_request_context(), pytest.raises(mailer.PermanentMailError, match="BASE_URL"):
        mailer.external_url("auth.reset_password", token="abc")


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
