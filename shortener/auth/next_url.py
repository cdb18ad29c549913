"""Where to send someone after logging in: only ever somewhere on this site."""

from urllib.parse import urlsplit

NEXT_MAX_LENGTH = 2048


def safe_next_url(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/links?page=2``), else None.

    Browsers read ``//host``, ``/\\host`` and paths with tabs or newlines
    inside as other sites, so anything that is not plainly a local path is refused.
    """
    if not target or len(target) > NEXT_MAX_LENGTH:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target
