"""CSV import jobs, on the ``imports`` queue: the work is in ``shortener.links.imports``."""

from shortener.links import imports


def run_import(import_id: int) -> None:
    """Import the stored file ``import_id``; safe to run again (it resumes and skips what exists)."""
    imports.run_import(import_id)


def import_failed(job, connection, exc_type, exc_value, traceback) -> None:
    """RQ's failure callback: after the last attempt, mark the import failed with the reason.

    RQ calls it after every failed attempt; one with a retry left is not the end.
    """
    if job.should_retry:
        return
    imports.mark_failed(job.args[0], imports.failure_reason(exc_value))
