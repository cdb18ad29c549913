"""The page title of a link's target, filled in by a job when its owner left the title empty.

The fetch is bounded everywhere, as it runs on any address a user typed: one overall timeout
(``TITLE_FETCH_TIMEOUT``), at most ``TITLE_FETCH_MAX_BYTES`` read, at most ``MAX_REDIRECTS``
redirects, only ``text/html``. Every hop's host is resolved once (``resolver.addresses``) and
refused unless all its addresses are public (``TITLE_FETCH_ALLOWED_HOSTS`` may reach private
ones); the connection goes to the address that was checked, so a second DNS answer cannot swap
in a private one (the Host header and TLS name stay the host's). Knows nothing about requests.
"""

import codecs
import http.client
import logging
import re
import socket
import time
import unicodedata
from collections.abc import Collection
from html.parser import HTMLParser
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import or_, select, update

from ..background.queues import TITLES, enqueue
from ..extensions import db
from . import resolver
from .models import Link
from .rules import TITLE_MAX_LENGTH
from .urls import InvalidTargetURL, normalize_host

log = logging.getLogger(__name__)
MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
CHUNK_BYTES = 16 * 1024
USER_AGENT = "shortener-title-fetch/1.0"
# A meta charset, as the HTML spec's prescan finds it in the first bytes.
META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)


class FetchSettings(NamedTuple):
    timeout: float
    max_bytes: int
    allowed_hosts: Collection[str] = frozenset()


class TitleUnavailable(Exception):
    """The page cannot be fetched, or may not be; the message says why, for the log."""


def settings_from(config) -> FetchSettings:
    return FetchSettings(config["TITLE_FETCH_TIMEOUT"], config["TITLE_FETCH_MAX_BYTES"],
                         frozenset(map(normalize_host, config["TITLE_FETCH_ALLOWED_HOSTS"])))


# --- creation: ask for a title ---------------------------------------------------------

def request_title(link_id: int) -> None:
    """Enqueue the fetch of link ``link_id``'s title (after its commit), if TITLE_FETCH is on.

    Redis down does not fail the creation: the link exists, only its title stays empty.
    """
    if not current_app.config["TITLE_FETCH"]:
        return
    try:
        enqueue(TITLES, "jobs.titles.fetch_link_title", link_id)
    except RedisError as exc:
        log.warning("link %s: title fetch not queued (%s)", link_id, exc)


# --- the job ------------------------------------------------------------------------------

def fill_title(link_id: int) -> None:
    """Set the target's page title on link ``link_id`` if its title is still empty.

    A site that cannot be reached, or has no title, is logged and left alone: a title is a nicety.
    """
    target = db.session.scalar(select(Link.target_url).where(Link.id == link_id, _untitled()))
    db.session.rollback()  # no transaction held open during the fetch
    if target is None:
        return  # deleted, or titled by its owner meanwhile (or a redelivered job)
    try:
        title = fetch_title(target, settings_from(current_app.config))
    except TitleUnavailable as exc:
        log.info("link %s: no title fetched from its target: %s", link_id, exc)
        return
    if title is None:
        return
    # Only where it is still empty: the owner may have typed one during the fetch.
    db.session.execute(update(Link).where(Link.id == link_id, _untitled()).values(title=title))
    db.session.commit()


def _untitled():
    return or_(Link.title.is_(None), Link.title == "")


# --- the fetch ----------------------------------------------------------------------------

def fetch_title(url: str, settings: FetchSettings) -> str | None:
    """The <title> of the HTML page at ``url`` (None if it has none); raises TitleUnavailable."""
    deadline = time.monotonic() + settings.timeout
    for _ in range(MAX_REDIRECTS + 1):
        sock, response = _get(url, settings, deadline)
        try:
            location = response.getheader("Location")
            if response.status not in REDIRECT_STATUSES or not location:
                return _title_of(sock, response, settings.max_bytes, deadline)
        finally:
            response.close()
            sock.close()
        url = urljoin(url, location.strip())
    raise TitleUnavailable(f"more than {MAX_REDIRECTS} redirects")


def _get(url: str, settings: FetchSettings, deadline: float):
    """The socket and the response to GET ``url``; raises TitleUnavailable."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TitleUnavailable(f"not an http(s) address: {url[:100]!r}")
    host = _host(parts.hostname)
    address = _public_address(host, settings.allowed_hosts, _remaining(deadline))
    https = parts.scheme == "https"
    connection = (http.client.HTTPSConnection if https else http.client.HTTPConnection)(
        parts.hostname, _port(parts, https), timeout=_remaining(deadline))
    # Pinned: connect to the address checked above, not to what a new lookup would say.
    connection._create_connection = lambda where, *args: socket.create_connection(
        (str(address), where[1]), *args)
    try:
        connection.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                           headers={"User-Agent": USER_AGENT, "Accept": "text/html",
                                    "Accept-Encoding": "identity"})
        sock = connection.sock  # the response may take it over: kept for its timeout
        sock.settimeout(_remaining(deadline))
        return sock, connection.getresponse()
    except (OSError, http.client.HTTPException, ValueError) as exc:
        connection.close()
        raise TitleUnavailable(f"{host}: {exc or type(exc).__name__}") from exc
    except TitleUnavailable:
        connection.close()
        raise


def _port(parts, https: bool) -> int:
    try:
        return parts.port or (443 if https else 80)
    except ValueError as exc:
        raise TitleUnavailable("invalid port") from exc


def _host(hostname: str) -> str:
    try:
        return normalize_host(f"[{hostname}]" if ":" in hostname else hostname)
    except InvalidTargetURL as exc:
        raise TitleUnavailable(f"invalid host {hostname[:100]!r}") from exc


def _public_address(host: str, allowed_hosts: Collection[str], timeout: float) -> resolver.Address:
    """The address to connect to for ``host``: all it resolves to must be public (a name that
    mixes in a private one is refused), unless the host is allowed."""
    found = resolver.addresses(host.removeprefix("[").removesuffix("]"), timeout)
    if not found:
        raise TitleUnavailable(f"{host} did not resolve in time")
    if host not in allowed_hosts and not all(map(_is_public, found)):
        raise TitleUnavailable(f"{host} resolves to a private address")
    return min(found, key=lambda address: (address.version, int(address)))  # IPv4 first, stable


def _is_public(address: resolver.Address) -> bool:
    # is_global leaves out private, loopback, link-local, shared (100.64/10) and reserved ranges.
    return address.is_global and not address.is_multicast


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TitleUnavailable("timed out")
    return left


def _title_of(sock: socket.socket, response: http.client.HTTPResponse,
              max_bytes: int, deadline: float) -> str | None:
    if response.status != 200:
        raise TitleUnavailable(f"the page answered {response.status}")
    content_type = response.getheader("Content-Type", "")
    if content_type.partition(";")[0].strip().lower() not in HTML_TYPES:
        raise TitleUnavailable(f"not an HTML page ({content_type[:60]!r})")
    body = _read(sock, response, max_bytes, deadline)
    parser = TitleParser()
    try:
        parser.feed(body.decode(_charset(content_type, body), errors="replace"))
        parser.close()
    except AssertionError as exc:  # html.parser's verdict on some broken markup (<![foo)
        if parser.title is None:
            raise TitleUnavailable(f"unreadable HTML: {exc}") from exc
    return clean_title(parser.title) if parser.title is not None else None


def _read(sock: socket.socket, response: http.client.HTTPResponse,
          max_bytes: int, deadline: float) -> bytes:
    """The body up to ``max_bytes``, or up to the end of its title if that comes first."""
    body = bytearray()
    while len(body) < max_bytes and b"</title" not in body[-CHUNK_BYTES - 8:].lower():
        # A server that drips a byte a second must not outlast the overall deadline.
        sock.settimeout(_remaining(deadline))
        try:
            chunk = response.read1(min(CHUNK_BYTES, max_bytes - len(body)))
        except (OSError, http.client.HTTPException) as exc:
            raise TitleUnavailable(f"reading the page: {exc or type(exc).__name__}") from exc
        if not chunk:
            break
        body += chunk
    return bytes(body)


def _charset(content_type: str, body: bytes) -> str:
    """The header's charset, else the page's meta one, else UTF-8 (any unknown name: UTF-8)."""
    declared = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    name = declared.group(1) if declared else None
    if name is None:
        meta = META_CHARSET_RE.search(body[:4096])
        name = meta.group(1).decode("ascii") if meta else None
    try:
        return codecs.lookup(name).name if name else "utf-8"
    except LookupError:
        return "utf-8"


class TitleParser(HTMLParser):
    """The text of the first <title>, entities unescaped (None if the page has none)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self._parts: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "title" and self.title is None and self._parts is None:
            self._parts = []

    def handle_data(self, data):
        if self._parts is not None:
            self._parts.append(data)

    def handle_endtag(self, tag):
        if tag == "title" and self._parts is not None:
            self.title, self._parts = "".join(self._parts), None

    def close(self):
        super().close()
        if self._parts is not None:  # cut inside the title: what was read of it
            self.title, self._parts = "".join(self._parts), None


def clean_title(text: str) -> str | None:
    """Whitespace collapsed, control characters dropped, cut to the title column's width."""
    printable = "".join(char for char in text if unicodedata.category(char) != "Cc" or char.isspace())
    collapsed = " ".join(printable.split())
    return collapsed[:TITLE_MAX_LENGTH].rstrip() or None

