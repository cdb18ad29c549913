"""What the redirect does for a link with options: passwords, their cookie, query forwarding.

Plain functions of the cached ``LinkRow``; no HTTP here (the redirect reads the
request and writes the response).
"""

import hashlib
import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse_many
from redis.exceptions import RedisError

from ..accounts.users import check_password_hash
from ..background.redis_clients import state as redis_state
from .lookup import LinkRow

log = logging.getLogger(__name__)

COOKIE_SALT = "link-password"
COOKIE_PREFIX = "link_access_"


def cookie_name(link: LinkRow) -> str:
    return f"{COOKIE_PREFIX}{link.id}"


def _fingerprint(password_hash: str) -> str:
    # Changing the password changes this, so every remembered visitor must enter the new one.
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=COOKIE_SALT)


def access_cookie(link: LinkRow, secret_key: str) -> str:
    """A signed value saying "the password of ``link`` was given" (no password inside)."""
    return _serializer(secret_key).dumps([link.id, _fingerprint(link.options.password_hash)])


def has_access(link: LinkRow, cookie: str | None, secret_key: str, max_age: int) -> bool:
    """Whether ``cookie`` was made by ``access_cookie`` for this link and password, < max_age ago."""
    if not cookie:
        return False
    try:
        value = _serializer(secret_key).loads(cookie, max_age=max_age)
    except BadSignature:  # also SignatureExpired
        return False
    return value == [link.id, _fingerprint(link.options.password_hash)]


def password_matches(link: LinkRow, password: str) -> bool:
    return check_password_hash(link.options.password_hash, password)


def first_try(link_id: int, address: str, link_limit: str) -> bool:
    """Whether this is ``address``'s first password try on the link within the longest window of
    ``link_limit`` (the per-link limit spares it). One atomic SET NX: of parallel tries, one is first.

    Without Redis no try is a first one: the per-link limit then binds everyone (fail closed).
    """
    breaker = redis_state().breaker
    if not breaker.allows():
        return False
    seconds = max(item.get_expiry() for item in parse_many(link_limit))
    try:
        first = redis_state().web.set(f"link-password-tried:{link_id}:{address}", 1, nx=True, ex=seconds)
    except RedisError as exc:
        breaker.record_failure()
        log.warning("Redis unavailable (%s): no first password try is spared", exc)
        return False
    return bool(first)


def forward_query(target_url: str, query_string: str) -> str:
    """``target_url`` with the visitor's query appended after its own, before its fragment."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    if not pairs:
        return target_url
    parts = urlsplit(target_url)
    extra = urlencode(pairs)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))
