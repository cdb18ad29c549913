"""Click enrichment: bot detection, browser/OS/device, referrer host and country.

The worker calls this once per stored batch of clicks; the redirect only asks whether a visitor's
agent is a bot, for a link with a click limit (``redirects.policy``). An Enricher holds
the parsers, the geo database (loaded on first use) and a bounded per-user-agent cache, so a batch of
1,000 clicks parses each distinct agent once. Any input, however malformed, gives a sane value:
nothing in here raises on a click's fields.
"""

from __future__ import annotations

import functools
import importlib.resources
import ipaddress
import os
import re
import threading
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlsplit

import ua_parser
from crawlerdetect import CrawlerDetect
from flask import Flask, current_app

from .events import QR

UNKNOWN = "unknown"
DIRECT = "direct"
INTERNAL = "internal"
QR_CODE = "QR code"  # the referrer host of a scan of a link's QR code (event source "qr")
EMPTY_AGENT = "empty user agent"

NAME_MAX = 64  # browser, os, bot name columns
HOST_MAX = 253  # the longest DNS name
# Parsing only needs the head of an agent; the bound also caps what a cache entry can hold
# (50,000 entries x 10 KB agents would be half a gigabyte).
AGENT_PARSE_MAX = 512

DEVICES = ("desktop", "mobile", "tablet", "bot", "other")

# Link-preview fetchers and command-line clients, checked before crawlerdetect so that each gets one
# short readable name (crawlerdetect reports the matched text, e.g. "axios/" or "pinterest.com").
# First match wins: TelegramBot says "like TwitterBot", so it comes before Twitterbot.
KNOWN_FETCHERS: tuple[tuple[str, str], ...] = (
    ("slackbot", "Slackbot"),
    ("telegrambot", "TelegramBot"),
    ("twitterbot", "Twitterbot"),
    ("facebookexternalhit", "facebookexternalhit"),
    ("facebot", "Facebot"),
    ("whatsapp", "WhatsApp"),
    ("discordbot", "Discordbot"),
    ("linkedinbot", "LinkedInBot"),
    ("skypeuripreview", "SkypeUriPreview"),  # Skype and Microsoft Teams link previews
    ("mastodon", "Mastodon"),
    ("pinterest", "Pinterest"),
    ("redditbot", "redditbot"),
    ("embedly", "Embedly"),
    ("googlebot", "Googlebot"),
    ("bingbot", "bingbot"),
    ("curl/", "curl"),
    ("wget/", "Wget"),
    ("python-requests", "python-requests"),
    ("python-urllib", "python-urllib"),
    ("python-httpx", "python-httpx"),
    ("aiohttp", "aiohttp"),
    ("go-http-client", "Go-http-client"),
    ("okhttp", "okhttp"),
    ("axios/", "axios"),
    ("node-fetch", "node-fetch"),
    ("httpie/", "HTTPie"),
)
# Apple's iMessage preview fetcher sends a Safari agent with both of these appended.
IMESSAGE_MARKERS = ("facebookexternalhit", "twitterbot")

DESKTOP_OSES = frozenset(
    {
        "Windows",
        "Mac OS X",
        "Linux",
        "Ubuntu",
        "Debian",
        "Fedora",
        "Red Hat",
        "SUSE",
        "Arch Linux",
        "Chrome OS",
        "ChromeOS",
        "FreeBSD",
        "OpenBSD",
        "NetBSD",
        "Solaris",
    }
)
MOBILE_DEVICE_FAMILIES = frozenset({"iPhone", "iPod", "Generic Smartphone", "Generic Feature Phone"})
TABLET_DEVICE_FAMILIES = frozenset({"iPad", "Generic Tablet", "Kindle"})

BUNDLED_GEO_FILE = "geoip2fast-ipv6.dat.gz"  # country data, IPv4 and IPv6
COUNTRY_CODE = re.compile(r"[A-Z]{2}")
HOST_CHARACTERS = re.compile(r"[\w.:-]+")  # letters (IDN too), digits, dots, hyphens, IPv6 colons
PRINTABLE_REPLACEMENTS = {code: " " for code in [*range(32), 127]}


class Agent(NamedTuple):
    browser: str
    os: str
    device: str  # one of DEVICES
    is_bot: bool
    bot_name: str | None


class Enricher:
    """Enrichment for clicks; build one per worker process and reuse it for every batch."""

    def __init__(
        self,
        own_hosts: frozenset[str] = frozenset(),
        geoip_database: str | None = None,
        cache_size: int = 50_000,
    ) -> None:
        self.own_hosts = frozenset(_normalise_host(host) for host in own_hosts)
        self.geoip_database = geoip_database
        self.ua_parser = _uncached_ua_parser()
        self.crawler_detect = CrawlerDetect()
        # CrawlerDetect keeps the last match on the instance; the lock keeps is_crawler and
        # get_matches paired when a spool-replay thread and a job share this Enricher.
        self._crawler_lock = threading.Lock()
        self._geo_lock = threading.Lock()
        self._geo_lookup: Callable[[str], str | None] | None = None
        # One cache over the whole Agent (crawlerdetect and ua-parser together), so ua-parser is built
        # without its own cache: a second cache keyed on the same string would only cost memory.
        self._cached_agent = functools.lru_cache(maxsize=cache_size)(self._parse_agent)

    # -- user agent -------------------------------------------------------------------------------

    def agent(self, user_agent: str | None) -> Agent:
        return self._cached_agent(_clean_text(user_agent, AGENT_PARSE_MAX))

    def agent_cache_info(self) -> functools._CacheInfo:
        return self._cached_agent.cache_info()

    def _parse_agent(self, user_agent: str) -> Agent:
        if not user_agent:
            return Agent(UNKNOWN, UNKNOWN, "bot", True, EMPTY_AGENT)
        parsed = self.ua_parser.parse(user_agent)
        browser = _family(parsed.user_agent)
        os_family = _family(parsed.os)
        bot_name = self._bot_name(user_agent)
        if bot_name is not None:
            return Agent(browser, os_family, "bot", True, bot_name)
        device = _device(user_agent, os_family, _family(parsed.device))
        return Agent(browser, os_family, device, False, None)

    def _bot_name(self, user_agent: str) -> str | None:
        lowered = user_agent.lower()
        if all(marker in lowered for marker in IMESSAGE_MARKERS):
            return "iMessage"
        for marker, name in KNOWN_FETCHERS:
            if marker in lowered:
                return name
        with self._crawler_lock:
            if not self.crawler_detect.is_crawler(user_agent):
                return None
            matched = self.crawler_detect.get_matches()
        return _printable(matched or "", NAME_MAX).strip("/ ") or "crawler"

    # -- referrer ---------------------------------------------------------------------------------

    def referrer_host(self, referrer: str | None) -> str:
        text = _clean_text(referrer, limit=None)
        if not text:
            return DIRECT
        try:
            parts = urlsplit(text)
            host = parts.hostname  # already lowercased, port and userinfo dropped
        except ValueError:  # e.g. an unclosed IPv6 bracket: "http://[bad"
            return UNKNOWN
        if not parts.scheme or not host:
            return UNKNOWN
        host = _normalise_host(host)
        if not host or len(host) > HOST_MAX or not HOST_CHARACTERS.fullmatch(host):
            return UNKNOWN
        if host in self.own_hosts:
            return INTERNAL
        if parts.scheme.lower() in ("http", "https"):
            return host
        # An app opening the link (android-app://com.slack/): keep the scheme so it can't pass for a site.
        return f"{parts.scheme.lower()}:{host}"[:HOST_MAX]

    def origin(self, event: dict) -> str:
        """Where the click came from: "QR code" for a scan (camera apps send no referrer), else the host."""
        if event.get("source") == QR:
            return QR_CODE
        return self.referrer_host(event.get("referrer"))

    # -- country ----------------------------------------------------------------------------------

    def country(self, ip: str | None) -> str:
        address = _public_address(ip)
        if address is None:
            return UNKNOWN
        code = self._geo()(address)
        return code if code and COUNTRY_CODE.fullmatch(code) else UNKNOWN

    def _geo(self) -> Callable[[str], str | None]:
        if self._geo_lookup is None:
            with self._geo_lock:
                if self._geo_lookup is None:
                    self._geo_lookup = self._load_geo()
        return self._geo_lookup

    def _load_geo(self) -> Callable[[str], str | None]:
        if self.geoip_database:
            return _mmdb_country_lookup(self.geoip_database)
        return _bundled_country_lookup()

    # -- one click --------------------------------------------------------------------------------

    def enrich(self, event: dict) -> dict:
        """The enrichment columns for one click event (keys user_agent, referrer, ip_address, source)."""
        agent = self.agent(event.get("user_agent"))
        return {
            "is_bot": agent.is_bot,
            "bot_name": agent.bot_name,
            "browser": agent.browser,
            "os": agent.os,
            "device": agent.device,
            "referrer_host": self.origin(event),
            "country": self.country(event.get("ip_address")),
        }


# -- helpers --------------------------------------------------------------------------------------


def _uncached_ua_parser() -> ua_parser.Parser:
    """ua-parser's fastest resolver, as ua_parser.parse picks it, but without its cache (see Enricher)."""
    try:
        # Needs the native ua-parser-rs; lazy matchers because the Rust side compiles the regexes.
        from ua_parser.regex import Resolver as RustResolver  # optional: ua-parser-rs may be absent
    except ImportError:
        return ua_parser.Parser(ua_parser.BasicResolver(ua_parser.load_builtins()))
    return ua_parser.Parser(RustResolver(ua_parser.load_lazy_builtins()))


def _family(parsed: object | None) -> str:
    family = getattr(parsed, "family", None)
    if not family or family == "Other":
        return UNKNOWN
    return _printable(family, NAME_MAX)


def _device(user_agent: str, os_family: str, device_family: str) -> str:
    if device_family in TABLET_DEVICE_FAMILIES:
        return "tablet"
    if device_family in MOBILE_DEVICE_FAMILIES:
        return "mobile"
    if os_family == "Android":
        # Android browsers say "Mobile" on phones and leave it out on tablets.
        return "mobile" if "Mobile" in user_agent else "tablet"
    if os_family in ("iOS", "Windows Phone", "BlackBerry OS", "KaiOS"):
        return "mobile"
    if os_family in DESKTOP_OSES:
        return "desktop"
    return "other"


def _clean_text(value: object, limit: int | None) -> str:
    """A str from a click field: bytes decoded, lone surrogates replaced, cut to limit, stripped."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    if limit is not None:
        value = value[:limit]
    if not value.isascii():
        # ua-parser-rs hands the string to Rust, which refuses lone surrogates.
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value.strip()


def _printable(text: str, limit: int) -> str:
    return text.translate(PRINTABLE_REPLACEMENTS)[:limit]


def _normalise_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and "]" in host:  # "[2001:db8::1]:8080"
        host = host[1 : host.index("]")]
    elif host.count(":") == 1:  # "example.com:8443" (an IPv6 literal has several colons)
        host = host.split(":", 1)[0]
    return host.removeprefix("www.")


def _public_address(ip: object) -> str | None:
    """The address as a canonical string if it is public, else None (private, reserved, garbage)."""
    if not isinstance(ip, str) or len(ip) > 64:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address) if address.is_global else None


def _bundled_country_lookup() -> Callable[[str], str | None]:
    """Country lookup in the GeoLite2-derived data that the geoip2fast wheel ships.

    About 0.08 s and 47 MiB to load, about 2 microseconds a lookup. geoip2fast keeps the loaded data in
    module globals, so every Enricher in a process shares one copy.
    """
    # Importing geoip2fast sets PYTHONWARNINGS=ignore and PYTHONIOENCODING in os.environ, which every
    # Python child process would inherit (silencing warnings in subprocesses): put them back as they were.
    saved = {name: os.environ.get(name) for name in ("PYTHONWARNINGS", "PYTHONIOENCODING")}
    try:
        from geoip2fast import GeoIP2Fast  # optional: 47 MiB, loaded only when a country is looked up
    finally:
        _restore_environment(saved)
    # An absolute path: given a bare file name, geoip2fast would prefer a file of that name in the cwd.
    data_file = importlib.resources.files("geoip2fast") / BUNDLED_GEO_FILE
    database = GeoIP2Fast(geoip2fast_data_file=str(data_file))
    return lambda address: database.lookup(address).country_code


def _mmdb_country_lookup(path: str) -> Callable[[str], str | None]:
    """Country lookup in a MaxMind-format database (GeoLite2/GeoIP2 Country or City, DB-IP Lite, ...)."""
    # Imported here: only deployments that configure their own .mmdb file pay for loading the reader.
    import maxminddb  # optional: only for a configured GEOIP_DATABASE

    reader = maxminddb.open_database(path)

    def lookup(address: str) -> str | None:
        record = reader.get(address)
        if not isinstance(record, dict):
            return None
        country = record.get("country") or record.get("registered_country") or {}
        return country.get("iso_code") if isinstance(country, dict) else None

    return lookup


def _restore_environment(saved: dict[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


# -- the app's Enricher ---------------------------------------------------------------------------


class LazyEnricher:
    """The app's one Enricher, built on first use: web processes that never store a click never pay
    its ~100 ms and 47 MiB."""

    def __init__(self, own_hosts: frozenset[str], geoip_database: str | None) -> None:
        self.own_hosts = own_hosts
        self.geoip_database = geoip_database
        self._enricher: Enricher | None = None
        self._lock = threading.Lock()

    def get(self) -> Enricher:
        if self._enricher is None:
            with self._lock:
                if self._enricher is None:
                    self._enricher = Enricher(self.own_hosts, self.geoip_database)
        return self._enricher


def init_app(app: Flask) -> None:
    base_host = urlsplit(app.config["BASE_URL"] or "").hostname
    own_hosts = frozenset({base_host} if base_host else ())
    app.extensions["click_enricher"] = LazyEnricher(own_hosts, app.config["GEOIP_DATABASE"])


def app_enricher() -> Enricher:
    return current_app.extensions["click_enricher"].get()
