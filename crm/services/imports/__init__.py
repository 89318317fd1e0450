"""Imports of customers and leads from CSV and XLSX files: reading (the stored file, streamed),
mapping (which column fills which field), validate (each row by the API's rules), pipeline
(a run's batches: checked, matched, written, with a writer thread on PostgreSQL), writing (what
the writers share and what a batch's write does: customer_writer, lead_writer, tagging,
copying), jobs (start, rerun, run) and undo. Who may: managers and admins (see jobs)."""

from .jobs import IMPORT_ROLES, import_again, import_run, import_start
from .undo import import_undo

__all__ = ["IMPORT_ROLES", "import_again", "import_run", "import_start", "import_undo"]
