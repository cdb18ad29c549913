"""Click events: plain data (a dict of strings) built at redirect time.

The event's UUID is the idempotency key of the whole pipeline: storing the
same event twice, in any mode, inserts one row and counts once.
"""

import uuid
from datetime import datetime

REFERRER_MAX = 1024
USER_AGENT_MAX = 512
QR = "qr"  # the source of a scan of the link's QR code
SOURCES = frozenset({QR})


def new_event(link_id: int, clicked_at: datetime, referrer, user_agent, ip_address,
              visitor_key: str | None = None, source: str | None = None) -> dict:
    event = {
        "id": str(uuid.uuid4()),
        "link_id": link_id,
        "clicked_at": clicked_at.isoformat(),
        "referrer": (referrer or "")[:REFERRER_MAX] or None,
        "user_agent": (user_agent or "")[:USER_AGENT_MAX] or None,
        "ip_address": ip_address,
    }
    if visitor_key:  # absent when no salt could be had (Redis down)
        event["visitor_key"] = visitor_key
    if source:  # absent for most clicks, so their events stay as small as before
        event["source"] = source
    return event


def to_row(event: dict) -> dict:
    """The event as the clicks table's column values."""
    return {
        "id": uuid.UUID(event["id"]),
        "link_id": int(event["link_id"]),
        "clicked_at": datetime.fromisoformat(event["clicked_at"]),
        "referrer": event.get("referrer"),
        "user_agent": event.get("user_agent"),
        "ip_address": event.get("ip_address"),
        "visitor_key": event.get("visitor_key"),
        # Only known sources: an event is data from Redis or the spool, not trusted text.
        "source": event.get("source") if event.get("source") in SOURCES else None,
    }
