"""Where a target's host name leads, looked up once when a link is created, in bounded time.

A name such as ``localtest.me`` or ``127.0.0.1.nip.io`` resolves to this server, so a short link
to it would redirect to itself (a loop a browser follows 20 times per visit) while the name hides
it. The lookup (``socket.getaddrinfo``, the system's resolver) runs in a small thread pool of the
app's (``app.extensions``), and the request waits at most ``LINK_TARGET_DNS_TIMEOUT`` seconds
for it: a hung resolver can never hold a request or a job. Knows nothing about HTTP.
"""

import ipaddress
import logging
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as LookupTimeout

from flask import current_app

log = logging.getLogger(__name__)
EXTENSION = "link_resolver"
POOL_THREADS = 4  # lookups that hang beyond the timeout hold one each until the system gives up

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def lookup(host: str) -> list[str]:
    """The addresses ``host`` resolves to (the network: tests replace this function)."""
    return [info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]


def addresses(host: str, timeout: float) -> frozenset[Address] | None:
    """What ``host`` resolves to, or None if that is not known within ``timeout`` seconds."""
    future = _pool().submit(lookup, host)
    try:
        return frozenset(_folded(address) for address in future.result(timeout))
    except LookupTimeout:
        log.info("no answer for %s within %s s; the target is accepted", host, timeout)
    except (OSError, UnicodeError, ValueError):
        pass  # no such name (or no DNS): nothing it could loop to now
    return None


def leads_here(host: str, timeout: float) -> bool:
    """Whether the name ``host`` resolves to a loopback or unspecified address, or to one of this
    machine's own (its host name's), as far as can be known within ``timeout``."""
    found = addresses(host, timeout)
    if not found:
        return False
    return any(address.is_loopback or address.is_unspecified for address in found) or bool(
        found & _this_machine(timeout))


def _this_machine(timeout: float) -> frozenset[Address]:
    state = current_app.extensions.setdefault(EXTENSION, {})
    if "own_addresses" not in state:
        state["own_addresses"] = addresses(socket.gethostname(), timeout) or frozenset()
    return state["own_addresses"]


def _pool() -> ThreadPoolExecutor:
    state = current_app.extensions.setdefault(EXTENSION, {})
    if "pool" not in state:
        state["pool"] = ThreadPoolExecutor(POOL_THREADS, thread_name_prefix="link-resolver")
    return state["pool"]


def _folded(text: str) -> Address:
    # An IPv6 scope (fe80::1%eth0) is not part of the address; ::ffff:127.0.0.1 is 127.0.0.1.
    address = ipaddress.ip_address(text.partition("%")[0])
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address
