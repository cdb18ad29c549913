"""What login and reset throttling count by, and giving back what a good login used.

Every limit is counted *before* the password is checked (Flask-Limiter's
``hit``: one atomic increment, then the comparison), so parallel attempts can
never get past it; a successful login gives its counts back, so people who
type their password right are never throttled. See README "Security".
"""

import ipaddress
import logging
import secrets

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import limiter

log = logging.getLogger(__name__)

DEVICE_COOKIE = "login_device"
DEVICE_COOKIE_DAYS = 365


def network(address: str | None) -> str:
    """The /24 (IPv4) or /64 (IPv6) of ``address``: one household, office or host's range."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "-"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def client_address(address: str | None) -> str:
    """One IPv6 host gets a whole /64: count it as one address."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "-"
    return network(address) if ip.version == 6 and not ip.ipv4_mapped else str(ip)


def client_key() -> str:
    """Flask-Limiter's key function for the limits per address: the request's, an IPv6 /64 as one."""
    return client_address(get_remote_address())


def post_limit(setting: str, key_func, scope: str, **options):
    """Flask-Limiter's limit on a view's POSTs, at the value of the setting named ``setting``
    (read per request, so tests and apps may each set their own)."""
    return limiter.limit(lambda: current_app.config[setting], key_func=key_func, scope=scope,
                         methods=["POST"], **options)


def refund(limiter: Limiter) -> None:
    """Give back what this request counted against its limits (a login that succeeded)."""
    for limit in limiter.current_limits:
        try:
            strategy = limit.limiter
            # Nothing to give back when the count went to a storage that failed meanwhile.
            if strategy.get_window_stats(limit.limit, *limit.request_args).remaining < limit.limit.amount:
                strategy.hit(limit.limit, *limit.request_args, cost=-1)
        except Exception:  # noqa: BLE001  the login stands; the count only stays one higher
            log.warning("could not give back a login attempt to %s", limit.key, exc_info=True)


# --- device cookies (OWASP: "Slow Down Online Guessing Attacks with Device Cookies") ---

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="login-device")


def new_device_cookie(user_id: int) -> str:
    """Given to a browser after a successful login: it proves the owner logged in there before."""
    return _serializer().dumps({"user": user_id, "device": secrets.token_urlsafe(16)})


def known_device(cookie: str | None, user_id: int | None) -> str | None:
    """The device id in ``cookie`` if it was issued to ``user_id``, else None."""
    if not cookie or user_id is None:
        return None
    try:
        data = _serializer().loads(cookie)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("user") != user_id:
        return None
    device = data.get("device")
    return device if isinstance(device, str) else None
