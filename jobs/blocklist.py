"""The blocklist's periodic job: BLOCKLIST_FILE's lines into the table."""

import logging

from flask import current_app

from shortener.blocklist import manage

log = logging.getLogger(__name__)


def reload_blocklist_file() -> dict:
    """Sync the file's entries (none when BLOCKLIST_FILE is unset); what changed, for the log.
    An unreadable file changes nothing: a missing mount must not unblock every domain at once."""
    path = current_app.config["BLOCKLIST_FILE"]
    try:
        synced = manage.sync_file(path)
    except OSError as exc:
        log.error("blocklist file %s cannot be read (%s): its entries are kept as they were", path, exc)
        return {"error": str(exc)}
    if synced.added or synced.removed or synced.invalid:
        log.info("blocklist file %s: %d entries added, %d removed, %d lines skipped",
                 path, synced.added, synced.removed, synced.invalid)
    return {"added": synced.added, "removed": synced.removed, "invalid": synced.invalid}
