"""Target URLs: what a short link may point at, and how short URLs are built.

``validate_target_url`` knows nothing about HTTP requests: the caller passes in
the hosts that serve this site, so a short link can never redirect to another
short link of ours (a loop, or a way to launder a link through two hops).
"""

import ipaddress
import re
import socket
import string
import unicodedata
from collections.abc import Collection
from urllib.parse import quote, urlsplit, urlunsplit

import idna

MAX_URL_LENGTH = 2048  # the width of Link.target_url
MAX_HOST_LENGTH = 253
ALLOWED_SCHEMES = ("http", "https")
# A loose DNS label: browsers accept underscores and edge hyphens, so we do too.
ASCII_LABEL_RE = re.compile(r"[a-z0-9_-]{1,63}")
# WHATWG URL: a host whose last label is a number is an IPv4 address, in any
# of the legacy spellings (2130706433, 0x7f.1, 0177.0.0.1) that inet_aton reads.
NUMERIC_LABEL_RE = re.compile(r"0x[0-9a-f]*|[0-9]+")


class InvalidTargetURL(ValueError):
    """The address cannot be a link target; the message says why, for the user."""


def validate_target_url(url: str, own_hosts: Collection[str] = ()) -> str:
    """Return ``url`` normalized for storage, or raise InvalidTargetURL.

    ``own_hosts`` are this site's hosts, normalized with ``normalize_host``.
    """
    _check_characters(url)
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InvalidTargetURL("That is not a valid web address.") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise InvalidTargetURL("Only http:// and https:// addresses can be shortened.")
    host, port = _host_and_port(parts.netloc)
    if is_own_host(host, own_hosts):
        raise InvalidTargetURL("Links to this site's own short links are not allowed.")
    netloc = f"{host}:{port}" if port else host
    normalized = urlunsplit(
        (scheme, netloc, _ascii(parts.path), _ascii(parts.query), _ascii(parts.fragment))
    )
    if len(normalized) > MAX_URL_LENGTH:
        raise InvalidTargetURL(f"The address is too long (at most {MAX_URL_LENGTH} characters).")
    return normalized


def _check_characters(url: str) -> None:
    if not url:
        raise InvalidTargetURL("Enter the address to shorten.")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidTargetURL(f"The address is too long (at most {MAX_URL_LENGTH} characters).")
    for char in url:
        if char.isspace() or char == "\\" or unicodedata.category(char) in ("Cc", "Cf"):
            raise InvalidTargetURL(
                "The address contains spaces, backslashes or invisible characters."
            )


def _host_and_port(netloc: str) -> tuple[str, str]:
    _userinfo, at, hostport = netloc.rpartition("@")
    host, port = _split_host_port(hostport)
    if not host:
        raise InvalidTargetURL("The address needs a host name, as in https://example.com/.")
    # Short links are public: credentials in them leak, and user@host is a
    # classic way to disguise the real destination.
    if at:
        raise InvalidTargetURL("Addresses with a user name or password (user@) are not allowed.")
    return normalize_host(host), port


def _split_host_port(hostport: str) -> tuple[str, str]:
    if hostport.startswith("["):
        host, bracket, rest = hostport.partition("]")
        host, port = host + bracket, rest.removeprefix(":")
        if not bracket or (rest and not rest.startswith(":")):
            raise InvalidTargetURL("The address has an invalid IPv6 host.")
    else:
        host, _, port = hostport.partition(":")
    if port and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise InvalidTargetURL("The address has an invalid port number.")
    return host, str(int(port)) if port else ""


def normalize_host(host: str) -> str:
    """The host as compared and stored: IDNA-encoded, lowercase, no trailing dot.

    IPv4 addresses are written as dotted quads, IPv6 ones compressed in brackets.
    """
    if host.startswith("["):
        return _normalize_ipv6(host)
    try:
        # UTS 46 mapping first: it turns full-width letters and dots into ASCII.
        mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
    except idna.IDNAError as exc:
        raise InvalidTargetURL("The host name is not valid.") from exc
    mapped = mapped.lower().removesuffix(".")
    ascii_host = _ascii_host(mapped) if mapped.isascii() else _idna_encode(mapped)
    if NUMERIC_LABEL_RE.fullmatch(ascii_host.rpartition(".")[2]):
        return _normalize_ipv4(ascii_host)
    return ascii_host


def _ascii_host(host: str) -> str:
    labels = host.split(".")
    if len(host) > MAX_HOST_LENGTH or not all(map(ASCII_LABEL_RE.fullmatch, labels)):
        raise InvalidTargetURL("The host name is not valid.")
    for label in labels:
        if label.startswith("xn--"):
            _check_a_label(label)
    return host


def _check_a_label(label: str) -> None:
    # A bogus punycode label would be rejected by browsers; reject it here too.
    try:
        idna.decode(label)
    except (idna.IDNAError, UnicodeError) as exc:
        raise InvalidTargetURL("The host name is not valid.") from exc


def _idna_encode(host: str) -> str:
    try:
        return idna.encode(host).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise InvalidTargetURL("The host name is not valid.") from exc


def _normalize_ipv4(host: str) -> str:
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError as exc:
        raise InvalidTargetURL("The address has an invalid IP address.") from exc


def _normalize_ipv6(host: str) -> str:
    try:
        return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
    except ValueError as exc:
        raise InvalidTargetURL("The address has an invalid IPv6 host.") from exc


# Every printable ASCII character stays as typed; only non-ASCII is encoded, so
# the stored URL fits in a Location header byte for byte.
_KEEP = string.ascii_letters + string.digits + string.punctuation


def _ascii(component: str) -> str:
    return quote(component, safe=_KEEP)


def is_own_host(host: str, own_hosts: Collection[str]) -> bool:
    """Whether the normalized ``host`` reaches this site: one of ``own_hosts`` in any spelling
    (IPv4-mapped IPv6 folded), or any loopback or unspecified address when the site itself is
    served on one (a link to 127.0.0.2 or [::] of a site on localhost loops back to it)."""
    key = _fold_mapped(host)
    own = {_fold_mapped(own_host) for own_host in own_hosts}
    return key in own or (_is_local(key) and any(map(_is_local, own)))


def _fold_mapped(host: str) -> str:
    # [::ffff:127.0.0.1] is the IPv4 address 127.0.0.1 to every dual-stack socket.
    if host.startswith("["):
        mapped = ipaddress.IPv6Address(host[1:-1]).ipv4_mapped
        if mapped is not None:
            return str(mapped)
    return host


def _is_local(host: str) -> bool:
    """Loopback (localhost and *.localhost, RFC 6761; 127.0.0.0/8, ::1) or unspecified (0.0.0.0, ::):
    browsers connect both to the machine they run on."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def is_address_literal(host: str) -> bool:
    """Whether the normalized ``host`` names no DNS name: an IP address, localhost or *.localhost."""
    return _is_local(host) or _is_ip(host)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


def own_hosts(base_url: str | None, request_host: str | None) -> frozenset[str]:
    """The normalized hosts that serve this site: BASE_URL's and the request's."""
    hosts = set()
    for netloc in (urlsplit(base_url).netloc if base_url else None, request_host):
        if not netloc:
            continue
        try:
            hosts.add(normalize_host(_split_host_port(netloc.rpartition("@")[2])[0]))
        except InvalidTargetURL:
            continue  # a malformed Host header names no host a link could reach
    return frozenset(hosts)


def short_url(base_url: str, username: str, slug: str) -> str:
    """The public address of a link under ``base_url`` (BASE_URL, or the request's host URL)."""
    return f"{base_url.rstrip('/')}/{quote(username, safe='')}/{quote(slug, safe='')}"
