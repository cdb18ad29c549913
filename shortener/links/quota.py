"""How many links a user may create: one budget, ``RATELIMIT_LINK_CREATE``, per user (not per
token or address), taken by the web form, the API and the CSV import alike.

Each creation is one hit in Flask-Limiter's storage (Redis), counted before the link is made,
atomically, so parallel requests cannot pass it. A form POST or an API call counts against every
window of the setting (bursts and the day); an upload is one request already bounded by
IMPORT_MAX_ROWS and the pending imports, so its rows count against the day-long (or longer)
windows only (the longest one if none is that long): a big import is not refused by the
per-minute window, and still cannot go past the day's budget. Accounts not trusted yet (address
not confirmed, or younger than TRUST_AFTER_DAYS: shortener.accounts.trust) get
``RATELIMIT_LINK_CREATE_NEW`` instead, with counters of its own; an account whose address is not
confirmed creates none at all unless registration is ``open`` (AddressNotConfirmed): its address
is what every other mode vouches for. Knows nothing about HTTP.
"""

import logging

from flask import current_app
from limits import RateLimitItem, parse_many

from ..accounts import registration_modes, trust
from ..accounts.models import User
from ..extensions import db, limiter

log = logging.getLogger(__name__)
SCOPE = "link-create"
DAY_SECONDS = 24 * 3600


class CreationLimitReached(Exception):
    """The user has created all the links ``limit`` allows; more are possible at ``reset_at``
    (a Unix time)."""

    def __init__(self, limit: RateLimitItem, reset_at: float, new_account: bool = False):
        super().__init__(f"at most {limit}")
        self.limit, self.reset_at, self.new_account = limit, reset_at, new_account

    @property
    def why(self) -> str:
        """What a new account is told about its smaller budget ("" for the others)."""
        if not self.new_account:
            return ""
        return ("New accounts create fewer links until their address is confirmed and they are "
                f"{current_app.config['TRUST_AFTER_DAYS']} days old.")


class AddressNotConfirmed(Exception):
    """The user's address is not confirmed and registration is not open: no link until it is."""

    def __init__(self):
        super().__init__("Confirm your email address first: open the link we mailed you (the "
                         "banner at the top of the page sends it again). Then create links.")


def check_address(owner_id: int) -> None:
    """Raise AddressNotConfirmed if ``owner_id`` may create no link until its address is confirmed."""
    user = db.session.get(User, owner_id)
    if user is not None and user.email_verified_at is None \
            and registration_modes.current() != registration_modes.OPEN:
        raise AddressNotConfirmed()


def take_creation(owner_id: int, bulk: bool = False) -> None:
    """Count one link creation of ``owner_id`` (``bulk``: a row of an import); raises
    CreationLimitReached past the budget, AddressNotConfirmed before it. If the limiter's storage
    fails, the creation is allowed (and logged): a Redis outage must not stop people from working."""
    check_address(owner_id)
    key = str(owner_id)
    new = _is_new(owner_id)
    try:
        strategy = limiter.limiter
        for item in _windows(bulk, new):
            if not strategy.hit(item, SCOPE, key):
                raise CreationLimitReached(item, strategy.get_window_stats(item, SCOPE, key).reset_time,
                                           new)
    except CreationLimitReached:
        raise
    except Exception:  # noqa: BLE001  the storage is down: allow, as Flask-Limiter's fallback would
        log.warning("could not count a link creation of user %s", owner_id, exc_info=True)


def spent_window(owner_id: int, bulk: bool = False) -> CreationLimitReached | None:
    """The first window ``owner_id`` has no creation left in (without counting one), if any;
    None as well when the storage cannot say."""
    key = str(owner_id)
    new = _is_new(owner_id)
    try:
        strategy = limiter.limiter
        for item in _windows(bulk, new):
            stats = strategy.get_window_stats(item, SCOPE, key)
            if stats.remaining <= 0:
                return CreationLimitReached(item, stats.reset_time, new)
    except Exception:  # noqa: BLE001  the storage is down: the rows are counted as they come
        log.warning("could not read the link-creation budget of user %s", owner_id, exc_info=True)
    return None


def _is_new(owner_id: int) -> bool:
    user = db.session.get(User, owner_id)
    return user is None or not trust.is_trusted(user)


def _windows(bulk: bool, new: bool) -> list[RateLimitItem]:
    items = parse_many(current_app.config["RATELIMIT_LINK_CREATE_NEW" if new else "RATELIMIT_LINK_CREATE"])
    if not bulk:
        return items
    long = [item for item in items if item.get_expiry() >= DAY_SECONDS]
    return long or [max(items, key=lambda item: item.get_expiry())]
