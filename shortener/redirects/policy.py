"""What a visit of a short link gets: the redirect's policy, free of HTTP.

The view turns the request into a ``Visit``, asks ``decide`` and turns the answer into a
response: a ``Redirect`` (where, with which code, whether a click is recorded) or a ``Refusal``.
A link with every option off (``LinkRow.options`` is None) takes the first branch and nothing
else: the hot path stays a few attribute checks.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app

from ..blocklist.checks import is_blocked
from ..clicks.enrichment import app_enricher
from ..links import access
from ..links.lookup import PLAIN_REDIRECT_CODE, LinkRow

GONE = "gone"  # 410: the click limit is used up
ASK_PASSWORD = "password"  # the password page
DISABLED = "disabled"  # 410: an admin disabled the link or its owner (shortener.moderation)
UNAVAILABLE = "unavailable"  # 503: the click limit's counter cannot be reached (fails closed)
BLOCKED = "blocked"  # 410: the target is on the blocklist (added after the link was made)
# 200: a warning page first; visitors reported the link (shortener.moderation.reports)
QUARANTINED = "quarantined"
# Browsers keep these and come back only when they choose: the owner's call (the form says so).
PERMANENT_CODES = frozenset({301, 308})


@dataclass(frozen=True, slots=True)
class Visit:
    method: str  # GET, HEAD, or POST for the password form
    user_agent: str
    query_string: str
    cookies: Mapping[str, str]
    password_given: bool = False  # the right password was just typed
    confirmed: bool = False  # the visitor read the quarantine's warning and chose to go on


@dataclass(frozen=True, slots=True)
class Redirect:
    target: str
    code: int
    records: bool  # a click to record: every visit but a HEAD

    @property
    def cacheable(self) -> bool:
        return self.code in PERMANENT_CODES


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str  # GONE, ASK_PASSWORD, UNAVAILABLE, BLOCKED, DISABLED or QUARANTINED


def decide(link: LinkRow, visit: Visit) -> Redirect | Refusal:
    if link.disabled is not None:
        return Refusal(DISABLED)
    records = visit.method != "HEAD"
    if is_blocked(link.target_url):  # set lookups on the cached row; no query (blocklist.checks)
        return Refusal(BLOCKED)
    options = link.options
    if options is None:
        if link.quarantined and not visit.confirmed:
            return Refusal(QUARANTINED)
        return Redirect(link.target_url, PLAIN_REDIRECT_CODE, records)
    if options.limit_reached:
        return Refusal(GONE)
    if options.password_hash is not None and not (visit.password_given or _remembered(link, visit)):
        return Refusal(ASK_PASSWORD)
    # After the password (whose cookie then covers the warning's form), before a click is taken.
    if link.quarantined and not visit.confirmed:
        return Refusal(QUARANTINED)
    if options.click_limit is not None:
        refusal = _take_click(link, records and not app_enricher().agent(visit.user_agent).is_bot)
        if refusal is not None:
            return refusal
    target = link.target_url
    if options.forward_query and visit.query_string:
        target = access.forward_query(target, visit.query_string)
    return Redirect(target, options.redirect_code, records)


def _take_click(link: LinkRow, counts: bool) -> Refusal | None:
    """None if the visit may go on. Only links with a limit get here: one Redis round trip.

    Humans' visits use the limit up; bots' and HEADs' do not (as click_count counts humans),
    but past it they are refused too.
    """
    verdict = access.take_click(link, counts)
    if verdict == access.ALLOWED:
        return None
    return Refusal(GONE if verdict == access.REACHED else UNAVAILABLE)


def _remembered(link: LinkRow, visit: Visit) -> bool:
    config = current_app.config
    return access.has_access(link, visit.cookies.get(access.cookie_name(link)),
                             config["SECRET_KEY"], config["LINK_PASSWORD_COOKIE_SECONDS"])
