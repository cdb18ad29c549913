"""CSV import jobs, on the ``imports`` queue: the work is in ``shortener.links.imports``."""

from shortener.links import imports


def run_import(import_id: int) -> None:
    """Import the stored file ``import_id``; safe to run again (it resumes and skips what exists)."""
    imports.run_import(import_id)
