"""Imports of customers and leads from CSV and XLSX files: reading (the stored file, streamed),
mapping (which column fills which field), validate (each row by the API's rules), writing
(batched) and jobs (start, rerun, run, undo). Who may: managers and admins (see jobs)."""

from .jobs import IMPORT_ROLES, import_again, import_run, import_start, import_undo

__all__ = ["IMPORT_ROLES", "import_again", "import_run", "import_start", "import_undo"]
