"""The networks an account logged in from: a login from one of them is the owner's more likely
than a botnet's, so it is not counted against the account's global login limit (see README
"Security"). Knows nothing about HTTP: callers pass the network (/24, /64) already cut.

Bounded: at most KEPT_PER_USER networks per account, each forgotten KEPT_DAYS after its last
login. Only a keyed hash (HMAC-SHA256 under SECRET_KEY) of the network is stored, so the table
says nothing about where anyone was; with IP_ANONYMIZATION=drop nothing is stored at all.
"""

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import utcnow
from .models import LoginNetwork

KEPT_PER_USER = 10
KEPT_DAYS = 90


def network_hash(network: str) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, b"login-network:" + network.encode(), hashlib.sha256).hexdigest()


def _enabled() -> bool:
    return current_app.config["IP_ANONYMIZATION"] != "drop"


def remember(user_id: int, network: str, now: datetime | None = None) -> None:
    """Note that ``user_id`` logged in (or proved the email) from ``network``; commit."""
    if not _enabled():
        return
    now = now or utcnow()
    digest = network_hash(network)
    row = db.session.scalar(select(LoginNetwork).where(
        LoginNetwork.user_id == user_id, LoginNetwork.network_hash == digest))
    if row is None:
        db.session.add(LoginNetwork(user_id=user_id, network_hash=digest, last_seen_at=now))
    else:
        row.last_seen_at = now
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent login from the same network wrote it first
        db.session.rollback()
    _keep_newest(user_id)


def _keep_newest(user_id: int) -> None:
    newest = select(LoginNetwork.id).where(LoginNetwork.user_id == user_id) \
        .order_by(LoginNetwork.last_seen_at.desc(), LoginNetwork.id.desc()).limit(KEPT_PER_USER)
    db.session.execute(delete(LoginNetwork).where(
        LoginNetwork.user_id == user_id, LoginNetwork.id.not_in(newest.scalar_subquery())))
    db.session.commit()


def is_known(user_id: int, network: str, now: datetime | None = None) -> bool:
    """Whether ``user_id`` logged in from ``network`` within KEPT_DAYS."""
    if not _enabled():
        return False
    since = (now or utcnow()) - timedelta(days=KEPT_DAYS)
    return db.session.scalar(select(LoginNetwork.id).where(
        LoginNetwork.user_id == user_id, LoginNetwork.network_hash == network_hash(network),
        LoginNetwork.last_seen_at > since)) is not None


def delete_stale(now: datetime | None = None) -> int:
    """Forget networks unused for KEPT_DAYS; commit; return how many."""
    since = (now or utcnow()) - timedelta(days=KEPT_DAYS)
    result = db.session.execute(delete(LoginNetwork).where(LoginNetwork.last_seen_at <= since))
    db.session.commit()
    return result.rowcount
