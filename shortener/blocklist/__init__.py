"""The target blocklist: domains (with their subdomains) and URL prefixes no link may point at.

Entries come from the admin page and from the operator's ``BLOCKLIST_FILE`` (synced into the
same table by a periodic job). Each process checks targets against a matcher built from the
table (``checks``), rebuilt only when the table's version changes: a click costs set lookups,
never a query.
"""
