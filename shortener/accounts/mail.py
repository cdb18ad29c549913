"""Outgoing mail: render a message from templates/email/, then send it by SMTP
(MAIL_SERVER set) or write it to the outbox folder (MAIL_SERVER not set).

Also decides which sending errors are permanent, so the email jobs can fail
those at once instead of retrying them for hours.
"""

import logging
import os
import smtplib
import uuid
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_mailman import EmailMultiAlternatives
from redis.exceptions import RedisError

from ..background.queues import EMAIL, enqueue
from ..extensions import mail
from ..timeutil import utcnow

log = logging.getLogger(__name__)


class PermanentMailError(Exception):
    """Sending can never succeed as things stand (bad address, missing setting)."""


def queue(job: str, *args, **options) -> bool:
    """Enqueue the email job at dotted path ``job``; call it after the commit.

    A Redis outage is logged, not raised.
    """
    try:
        enqueue(EMAIL, job, *args, **options)
    except RedisError:
        # The account change is committed and must stand; only the mail is lost.
        log.exception("could not queue %s: Redis unavailable", job)
        return False
    return True


def send(to: str, subject: str, template: str, **context) -> str | None:
    """Render ``email/<template>.txt`` and ``.html`` and send them to ``to``.

    Returns the outbox file written, or None when sent by SMTP.
    """
    message = build_message(to, subject, template, **context)
    if current_app.config.get("MAIL_SERVER"):
        with mail.get_connection(backend="smtp") as connection:
            connection.send_messages([message])
        return None
    return write_to_outbox(message)


def build_message(to: str, subject: str, template: str, **context) -> EmailMultiAlternatives:
    check_address(to)
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_template(f"email/{template}.txt", **context),
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[to],
    )
    message.attach_alternative(render_template(f"email/{template}.html", **context), "text/html")
    return message


def check_address(address: str) -> None:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise PermanentMailError(f"invalid recipient address: {exc}") from exc


def outbox_dir() -> str:
    return current_app.config["MAIL_OUTBOX_DIR"]


def write_to_outbox(message: EmailMultiAlternatives) -> str:
    """Write ``message`` as a .eml file (openable by mail clients) and log where."""
    folder = outbox_dir()
    os.makedirs(folder, exist_ok=True)
    name = f"{utcnow():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
    path = os.path.join(folder, name)
    # Written aside, then renamed: whoever watches the folder never reads half a message.
    with open(path + ".tmp", "wb") as file:
        file.write(message.message().as_bytes())
    os.replace(path + ".tmp", path)
    # A warning: the mail reaches nobody, and the path must show without any logging setup.
    log.warning("MAIL_SERVER is not set: mail %r written to %s", message.subject, path)
    return path


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on BASE_URL: never the Host header of whatever request came in."""
    base = current_app.config.get("BASE_URL")
    if not base:
        raise PermanentMailError("BASE_URL is not set: cannot build links for mail")
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def is_permanent(error: BaseException) -> bool:
    """True for failures a retry cannot fix: SMTP 5xx replies, bad addresses, bad settings.

    Everything else (refused connections, timeouts, 4xx replies) is worth retrying.
    """
    if isinstance(error, PermanentMailError | smtplib.SMTPNotSupportedError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return False
