"""What an entry of the blocklist may say, and its one normalized spelling.

``example.com`` (or ``*.example.com``, ``https://example.com/``) blocks that domain and every
subdomain. An entry with a path or query, ``example.com/free-money``, is a URL prefix: targets on
that host (exactly, any scheme and port) whose path and query start with it. Hosts are spelled
as stored targets spell them (IDNA, lowercase, no trailing dot), so the matcher compares strings.
"""

import ipaddress
import re
import string
import unicodedata
from urllib.parse import quote, urlsplit

import idna

from .models import PATTERN_MAX_LENGTH

LABEL_RE = re.compile(r"[a-z0-9_-]{1,63}")  # as loose as links.urls: browsers accept these
MAX_HOST_LENGTH = 253
# As links.urls stores targets: printable ASCII as typed, anything else percent-encoded.
_KEEP = string.ascii_letters + string.digits + string.punctuation


class InvalidEntry(ValueError):
    """The text cannot be a blocklist entry; the message says why, for the admin."""


def parse_entry(text: str) -> str:
    """The entry's pattern: a host (a domain entry) or host + path (a URL prefix)."""
    text = text.strip()
    if not text:
        raise InvalidEntry("Enter a domain (example.com) or a URL prefix (example.com/path).")
    if len(text) > PATTERN_MAX_LENGTH or any(
            char.isspace() or unicodedata.category(char) in ("Cc", "Cf") for char in text):
        raise InvalidEntry(f"Use one domain or URL of at most {PATTERN_MAX_LENGTH} characters, "
                           "without spaces.")
    scheme, separator, rest = text.partition("://")
    if not separator:
        rest = text
    elif scheme.lower() not in ("http", "https"):
        raise InvalidEntry("Only http:// and https:// addresses can be blocked.")
    try:
        parts = urlsplit("//" + rest.removeprefix("*."))
    except ValueError as exc:
        raise InvalidEntry("That is not a valid domain or web address.") from exc
    host = _host(parts.netloc)
    path = quote(parts.path, safe=_KEEP) or "/"
    query = quote(parts.query, safe=_KEEP)
    if path == "/" and not query:
        return host.strip("[]")
    return f"{host}{path}{'?' + query if query else ''}"


def is_prefix(pattern: str) -> bool:
    """Whether ``pattern`` (as parse_entry gives it) is a URL prefix rather than a domain."""
    return "/" in pattern


def _host(netloc: str) -> str:
    if "@" in netloc:
        raise InvalidEntry("Leave out any user name or password (user@).")
    if netloc.startswith("["):
        address, _, port = netloc[1:].partition("]")
        if port and not (port.startswith(":") and port[1:].isdigit()):
            raise InvalidEntry("That IPv6 address is not valid.")
        try:
            return f"[{ipaddress.IPv6Address(address).compressed}]"
        except ValueError as exc:
            raise InvalidEntry("That IPv6 address is not valid.") from exc
    host, _, port = netloc.partition(":")
    if port and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise InvalidEntry("That port number is not valid.")  # and "javascript:..." is no host
    try:
        mapped = idna.uts46_remap(host, std3_rules=False, transitional=False).lower().removesuffix(".")
        host = mapped if mapped.isascii() else idna.encode(mapped).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise InvalidEntry("That host name is not valid.") from exc
    if not host or len(host) > MAX_HOST_LENGTH or not all(map(LABEL_RE.fullmatch, host.split("."))):
        raise InvalidEntry("That host name is not valid.")
    return host
