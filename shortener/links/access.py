"""What the redirect does for a link with options: passwords, their cookie, the click limit's
counter, query forwarding.

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

# What take_click answers.
ALLOWED, REACHED, UNAVAILABLE = "allowed", "reached", "unavailable"
COUNTER_TTL_SECONDS = 24 * 3600  # an idle link's counter goes; it starts again from click_count
# KEYS[1] the link's counter; ARGV: limit, stored click_count, 1 to count this visit, TTL.
# The stored count is a floor: after a flush or expiry the counter starts from it.
_TAKE_CLICK = """
local served = tonumber(redis.call('GET', KEYS[1]) or '0')
local stored = tonumber(ARGV[2])
if stored > served then served = stored end
if served >= tonumber(ARGV[1]) then return 0 end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], served + 1, 'EX', ARGV[4])
end
return 1
"""

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


def take_click(link: LinkRow, counts: bool) -> str:
    """Whether a visit of ``link`` (which has a click limit) may go on, using up one click if it
    ``counts`` (a human's GET or right password): ALLOWED, REACHED or, without Redis, UNAVAILABLE.

    One round trip (a Lua script): parallel visits can never pass the limit, whatever the cached
    row and the click pipeline's lag say.
    """
    breaker = redis_state().breaker
    if not breaker.allows():
        return UNAVAILABLE
    client = redis_state().web
    options = link.options
    try:
        allowed = client.register_script(_TAKE_CLICK)(
            keys=[f"click-limit:{link.id}"],
            args=[options.click_limit, options.click_count, int(counts), COUNTER_TTL_SECONDS])
    except RedisError as exc:
        breaker.record_failure()
        log.warning("Redis unavailable (%s): links with a click limit answer 503", exc)
        return UNAVAILABLE
    return ALLOWED if allowed else REACHED


def forward_query(target_url: str, query_string: str) -> str:
    """``target_url`` with the visitor's query appended after its own, before its fragment."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    if not pairs:
        return target_url
    parts = urlsplit(target_url)
    extra = urlencode(pairs)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))
