"""Client IP anonymization: privacy by default."""

import ipaddress

# IPv4 keeps its /24, IPv6 its /48: enough for rough geography, not a person.
PREFIXES = {4: 24, 6: 48}


def anonymize_ip(address: str | None, mode: str = "network") -> str | None:
    """Return the address as stored under ``mode``: ``network``, ``drop`` or ``off``."""
    if not address or mode == "drop":
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if mode == "off":
        return str(ip)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    network = ipaddress.ip_network(f"{ip}/{PREFIXES[ip.version]}", strict=False)
    return str(network.network_address)
