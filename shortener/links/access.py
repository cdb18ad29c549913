"""What the redirect does for a link with options: passwords, their cookie, query forwarding.

Plain functions of the cached ``LinkRow``; no HTTP here (the redirect reads the
request and writes the response).
"""

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..accounts.users import check_password_hash
from .lookup import LinkRow

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


def forward_query(target_url: str, query_string: str) -> str:
    """``target_url`` with the visitor's query appended after its own, before its fragment."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    if not pairs:
        return target_url
    parts = urlsplit(target_url)
    extra = urlencode(pairs)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))
