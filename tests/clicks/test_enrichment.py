"""Click enrichment on real user agents, referrers and (anonymised) addresses; no network."""

import os
import random
import subprocess
import sys
import time

import pytest

from shortener.clicks.enrichment import EMPTY_AGENT, Agent, Enricher
from shortener.clicks.ips import anonymize_ip

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
FIREFOX_UBUNTU = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15"
)
EDGE_WINDOWS = CHROME_WINDOWS + " Edg/124.0.2478.51"
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Mobile/15E148 Safari/604.1"
)
IPAD_SAFARI = (
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1"
)
ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
SAMSUNG_PHONE = (
    "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/112.0.0.0 Mobile Safari/537.36"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)

BROWSERS = [
    # (agent, browser, os, device)
    (CHROME_WINDOWS, "Chrome", "Windows", "desktop"),
    (CHROME_MAC, "Chrome", "Mac OS X", "desktop"),
    (CHROME_LINUX, "Chrome", "Linux", "desktop"),
    (FIREFOX_WINDOWS, "Firefox", "Windows", "desktop"),
    (FIREFOX_LINUX, "Firefox", "Linux", "desktop"),
    (FIREFOX_UBUNTU, "Firefox", "Ubuntu", "desktop"),
    (SAFARI_MAC, "Safari", "Mac OS X", "desktop"),
    (EDGE_WINDOWS, "Edge", "Windows", "desktop"),
    (IPHONE_SAFARI, "Mobile Safari", "iOS", "mobile"),
    (IPAD_SAFARI, "Mobile Safari", "iOS", "tablet"),
    (ANDROID_PHONE, "Chrome Mobile", "Android", "mobile"),
    (SAMSUNG_PHONE, "Chrome Mobile", "Android", "mobile"),
    (ANDROID_TABLET, "Chrome", "Android", "tablet"),
]

BOTS = [
    # (agent, bot_name)
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot"),
    (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.6367.155 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Googlebot",
    ),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bingbot"),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "Ahrefs"),  # via crawlerdetect
    ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "Slackbot"),
    ("Twitterbot/1.0", "Twitterbot"),
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "facebookexternalhit"),
    ("WhatsApp/2.23.20.0 A", "WhatsApp"),
    ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "Discordbot"),
    ("TelegramBot (like TwitterBot)", "TelegramBot"),
    ("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", "LinkedInBot"),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) "
        "Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
        "iMessage",
    ),
    (
        "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com",
        "SkypeUriPreview",
    ),
    ("http.rb/5.1.1 (Mastodon/4.2.8; +https://mastodon.social/)", "Mastodon"),
    ("Pinterest/0.2 (+https://www.pinterest.com/bot.html)", "Pinterest"),
    ("Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)", "redditbot"),
    ("Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)", "Embedly"),
    ("curl/8.5.0", "curl"),
    ("Wget/1.21.4", "Wget"),
    ("python-requests/2.31.0", "python-requests"),
    ("Python-urllib/3.11", "python-urllib"),
    ("Go-http-client/1.1", "Go-http-client"),
    ("okhttp/4.12.0", "okhttp"),
    ("axios/1.6.8", "axios"),
    ("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "node-fetch"),
    ("HTTPie/3.2.2", "HTTPie"),
    ("", EMPTY_AGENT),
    ("   ", EMPTY_AGENT),
    (None, EMPTY_AGENT),
]

GARBAGE_AGENTS = [
    random.Random(20240618).randbytes(300).decode("latin-1"),
    "A" * 10_000,
    "\x00\xff",
    b"\xff\xfe\x00binary".decode("utf-8", "surrogateescape"),  # lone surrogates
    "Mozilla/5.0\r\n\t\x1b[31m",
]


@pytest.fixture(scope="module")
def enricher():
    return Enricher(own_hosts=frozenset({"sho.rt", "Links.Example.org:8443"}))


@pytest.mark.parametrize(("user_agent", "browser", "os", "device"), BROWSERS)
def test_browsers_are_named_with_their_os_and_device(enricher, user_agent, browser, os, device):
    assert enricher.agent(user_agent) == Agent(browser, os, device, is_bot=False, bot_name=None)


@pytest.mark.parametrize(("user_agent", "bot_name"), BOTS)
def test_bots_previews_and_command_line_clients_are_bots_with_a_short_name(enricher, user_agent, bot_name):
    agent = enricher.agent(user_agent)
    assert (agent.is_bot, agent.bot_name, agent.device) == (True, bot_name, "bot")


@pytest.mark.parametrize(
    "user_agent", GARBAGE_AGENTS, ids=["random-latin1", "10kB", "nul-ff", "surrogates", "controls"]
)
def test_garbage_agents_are_unknown_not_errors(enricher, user_agent):
    agent = enricher.agent(user_agent)
    assert (agent.browser, agent.os, agent.device, agent.is_bot) == ("unknown", "unknown", "other", False)


@pytest.mark.parametrize(
    ("referrer", "host"),
    [
        ("https://WWW.Example.com:8443/x?q=1", "example.com"),
        ("http://news.ycombinator.com/item?id=1", "news.ycombinator.com"),
        ("https://user:pw@Sub.Example.co.uk./", "sub.example.co.uk"),
        ("https://[2001:DB8::1]:8080/", "2001:db8::1"),
        ("https://xn--bcher-kva.example/", "xn--bcher-kva.example"),
        ("", "direct"),
        (None, "direct"),
        ("   ", "direct"),
        ("https://sho.rt/abc", "internal"),
        ("https://www.sho.rt/abc", "internal"),
        ("http://links.example.org/", "internal"),
        ("not a url", "unknown"),
        ("http://[bad", "unknown"),
        ("http://", "unknown"),
        ("//example.com/no-scheme", "unknown"),
        ("https://exa mple.com/", "unknown"),
        ("https://" + "a" * 300 + ".com/", "unknown"),
        ("\x00\xff", "unknown"),
        ("android-app://com.slack/", "android-app:com.slack"),
        (b"https://example.com/bytes", "example.com"),
        (12345, "direct"),
    ],
)
def test_referrers_become_a_host_or_a_category(enricher, referrer, host):
    assert enricher.referrer_host(referrer) == host


@pytest.mark.parametrize(
    ("ip", "country"),
    [
        ("8.8.8.0", "US"),  # Google DNS as stored: the /24 network address
        ("81.169.145.0", "DE"),  # Strato, Berlin
        ("193.0.6.0", "NL"),  # RIPE NCC, Amsterdam
        ("2001:4860:4860::", "US"),  # Google DNS IPv6 /48
        ("2a01:4f8:c0c::", "DE"),  # Hetzner /48
        ("::ffff:8.8.8.0", "US"),
        ("10.1.2.0", "unknown"),
        ("192.168.1.0", "unknown"),
        ("127.0.0.0", "unknown"),
        ("::1", "unknown"),
        ("fe80::", "unknown"),
        ("2001:db8::", "unknown"),
        ("0.0.0.0", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
        ("not an ip", "unknown"),
        ("8.8.8.0" * 100, "unknown"),
    ],
)
def test_countries_come_from_the_stored_network_address(enricher, ip, country):
    assert enricher.country(ip) == country


def test_loading_the_geo_data_leaves_the_environment_alone():
    # geoip2fast sets PYTHONWARNINGS=ignore on import; child processes would inherit it. A fresh
    # interpreter, because this process may have imported geoip2fast already.
    script = (
        "import os; from shortener.clicks.enrichment import Enricher; "
        "before = dict(os.environ); Enricher().country('8.8.8.0'); "
        "print(dict(os.environ) == before)"
    )
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONWARNINGS"}
    result = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True)
    assert result.stdout.strip() == "True", result.stderr


def test_country_works_on_what_anonymize_ip_stores(enricher):
    assert enricher.country(anonymize_ip("8.8.8.8")) == "US"
    assert enricher.country(anonymize_ip("2001:4860:4860::8888")) == "US"


def test_enrich_gives_every_column_for_a_full_event(enricher):
    event = {"user_agent": IPHONE_SAFARI, "referrer": "https://www.reddit.com/r/x", "ip_address": "8.8.8.0"}
    assert enricher.enrich(event) == {
        "is_bot": False,
        "bot_name": None,
        "browser": "Mobile Safari",
        "os": "iOS",
        "device": "mobile",
        "referrer_host": "reddit.com",
        "country": "US",
    }


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"user_agent": None, "referrer": None, "ip_address": None},
        {"user_agent": "\x00" * 10_000, "referrer": "\x00" * 10_000, "ip_address": "\x00" * 10_000},
        {"user_agent": b"\xff\xfe", "referrer": b"\xff", "ip_address": b"\x08\x08\x08\x00"},
        {"user_agent": 42, "referrer": ["x"], "ip_address": 134744064},
    ],
)
def test_enrich_never_raises_and_keeps_values_column_sized(enricher, event):
    columns = enricher.enrich(event)
    assert set(columns) == {"is_bot", "bot_name", "browser", "os", "device", "referrer_host", "country"}
    assert columns["country"] == "unknown"
    assert columns["device"] in ("desktop", "mobile", "tablet", "bot", "other")
    for name in ("bot_name", "browser", "os"):
        assert columns[name] is None or len(columns[name]) <= 64
    assert len(columns["referrer_host"]) <= 253


class CountingParser:
    """Wraps an Enricher's own ua-parser to count the parses it really does."""

    def __init__(self, parser):
        self.parser = parser
        self.calls = 0

    def parse(self, user_agent):
        self.calls += 1
        return self.parser.parse(user_agent)


def _batch(agents, size):
    return [
        {"user_agent": agent, "referrer": None, "ip_address": "8.8.8.0"}
        for agent in (agents[i % len(agents)] for i in range(size))
    ]


def test_a_batch_parses_each_distinct_agent_once():
    enricher = Enricher()
    counting = enricher.ua_parser = CountingParser(enricher.ua_parser)
    agents = [user_agent for user_agent, *_ in BROWSERS[:10]]

    results = [enricher.enrich(event) for event in _batch(agents, 1_000)]

    assert counting.calls <= 10
    assert enricher.agent_cache_info().misses == 10
    assert results[0] == results[10]


def test_the_agent_cache_is_bounded():
    enricher = Enricher(cache_size=3)
    for version in range(10):
        enricher.agent(f"curl/8.{version}")
    assert enricher.agent_cache_info().currsize == 3


def test_enrich_cost_per_click(capsys):
    """Not an assertion: prints what a click costs, cached and uncached, for the report."""
    enricher = Enricher()
    enricher.country("8.8.8.0")  # load the geo data outside the timing
    load_started = time.perf_counter()
    Enricher().country("8.8.8.0")
    geo_load = time.perf_counter() - load_started
    distinct = [CHROME_WINDOWS.replace("124.0.0.0", f"124.0.{n}.0") for n in range(1_000)]
    cached_batch = _batch([ua for ua, *_ in BROWSERS[:10]], 1_000)
    for event in cached_batch:
        enricher.enrich(event)

    uncached = _seconds_per_click(enricher, _batch(distinct, 1_000))
    cached = _seconds_per_click(enricher, cached_batch)

    with capsys.disabled():
        print(
            f"\nenrich() per click: uncached {uncached * 1e6:.0f} us, cached {cached * 1e6:.1f} us; "
            f"geo reload in a second Enricher {geo_load * 1e3:.1f} ms"
        )


def _seconds_per_click(enricher, events):
    started = time.perf_counter()
    for event in events:
        enricher.enrich(event)
    return (time.perf_counter() - started) / len(events)


def test_a_qr_scan_has_the_qr_code_as_its_referrer_host():
    enricher = Enricher()
    assert enricher.enrich({"source": "qr", "referrer": "https://ref.test/"})["referrer_host"] == "QR code"
    assert enricher.enrich({"source": "other"})["referrer_host"] == "direct"
