"""Page-title jobs, on the ``titles`` queue: the work is in ``shortener.links.titles``."""

from shortener.links import titles


def fetch_link_title(link_id: int) -> None:
    """Fill link ``link_id``'s empty title from its target page; safe to run again.

    An unreachable site is logged, not raised (a title is a nicety, not worth a retry); the
    database's errors are raised, and the queue's Retry policy runs the job again.
    """
    titles.fill_title(link_id)
