"""Email jobs, on the ``email`` queue.

Transient failures (refused connections, timeouts, SMTP 4xx) are raised as
they are and retried by the queue's Retry policy. Permanent ones (SMTP 5xx, a
bad address) are logged and failed at once: retrying them would only delay the
moment someone looks at the failed job registry.
"""

import logging
from contextlib import contextmanager

from flask import current_app
from rq import get_current_job

from shortener.accounts import (
    email_verification,
    login_networks,
    registrations,
    reset_tokens,
    user_sessions,
)
from shortener.accounts import mail as mailer

log = logging.getLogger(__name__)


def send_registration_email(pending_id: int) -> None:
    """A sign-up's mail: the link that creates the account, or, when the address has one
    already, a note to its owner (the page said "check your email" either way)."""
    outcome = registrations.prepare_mail(pending_id)
    if isinstance(outcome, registrations.OwnerNotice):
        user = outcome.user
        with _permanent_failures_not_retried("registration attempt", f"user {user.id}"):
            mailer.send(user.email, "Someone tried to sign up with your address", "register_exists",
                        user=user, login_url=mailer.external_url("auth.login"),
                        reset_url=mailer.external_url("auth.forgot_password"))
    elif isinstance(outcome, registrations.ConfirmationMail):
        with _permanent_failures_not_retried("registration", f"sign-up {pending_id}"):
            mailer.send(outcome.email, "Confirm your shortener account", "register_confirm",
                        username=outcome.username,
                        confirm_url=mailer.external_url("auth.confirm_registration",
                                                        token=outcome.token),
                        valid_minutes=current_app.config["PASSWORD_RESET_TTL"] // 60)


def send_verification_email(user_id: int) -> None:
    """The link that proves the address of an account made without it (an open sign-up)."""
    prepared = email_verification.prepare_mail(user_id)
    if prepared is not None:
        _send_link(*prepared, "address verification", "Confirm your shortener address",
                   "verify_email", "verify_url", "auth.verify_email")


def send_password_reset_for(email: str) -> None:
    """Mail a reset link if an account has ``email``; else nothing (the page said the same)."""
    issued = reset_tokens.issue_for(email)
    if issued is not None:
        _send_link(*issued, "password reset", "Reset your shortener password",
                   "password_reset", "reset_url", "auth.reset_password")


def _send_link(user, token: str, what: str, subject: str, template: str, url_name: str,
               endpoint: str) -> None:
    """Mail ``user`` a link to ``endpoint`` with ``token``, as ``url_name`` in ``template``."""
    with _permanent_failures_not_retried(what, f"user {user.id}"):
        mailer.send(user.email, subject, template, user=user,
                    **{url_name: mailer.external_url(endpoint, token=token)},
                    valid_minutes=current_app.config["PASSWORD_RESET_TTL"] // 60)


def cleanup_expired_tokens() -> int:
    """Delete reset tokens that are expired or used, logins that ended, login networks unused
    for long and sign-ups whose link expired (hourly)."""
    deleted = reset_tokens.delete_expired_and_used()
    if deleted:
        log.info("deleted %d expired or used password reset tokens", deleted)
    ended = user_sessions.delete_ended()
    if ended:
        log.info("deleted %d ended login sessions", ended)
    login_networks.delete_stale()
    registrations.delete_expired()
    return deleted


@contextmanager
def _permanent_failures_not_retried(mail: str, recipient: str):
    """Re-raise every failure; mark permanent ones so that RQ does not retry them."""
    try:
        yield
    except Exception as exc:
        if mailer.is_permanent(exc):
            log.error("%s mail to %s failed permanently, not retrying: %s",
                      mail, recipient, exc)
            _no_more_retries()
        raise


def _no_more_retries() -> None:
    job = get_current_job()
    if job is not None:
        # RQ's Worker.handle_job_failure retries only while job.retries_left > 0;
        # this is the job object it looks at once the exception propagates.
        job.retries_left = 0
