"""Writes for segments: create, change, delete (definitions.py), and keeping their stored
membership equal to their condition (membership.py).

Membership moves two ways, both set-based:
- incrementally: `segments_reevaluate` for the customers a change touched, called by
  crm.services.reactions.customers_changed in the changing transaction (one statement tells
  which of those customers match which active segment; one reads their current memberships;
  the difference is inserted / deleted with its SegmentChange rows);
- in full: `segment_rebuild`, after a segment is created, its condition changes (or that of a
  segment it refers to), it is switched back on, on `POST segments/{id}/rebuild/`, and hourly
  for conditions that read the clock (crm.tasks.refresh_segments). It walks the customers in
  chunks of ids, each chunk one transaction of INSERT … SELECT / DELETE statements for the
  difference, writing its progress (processed / total) as it goes; it runs on the Celery
  workers when a broker is configured, in this process after the commit otherwise.

Who may write: admins and managers of the tenant (agents read segments and their members).
"""

from .definitions import (
    SEGMENT_FIELDS,
    SEGMENT_WRITE_ROLES,
    dependent_segments,
    follow_tag_rename,
    referenced_segments,
    require_segment_writer,
    segment_create,
    segment_delete,
    segment_request_rebuild,
    segment_update,
)
from .membership import (
    ANALYZE_AFTER_MOVED,
    REBUILD_CHUNK,
    segment_rebuild,
    segments_reevaluate,
    segments_refresh_timed,
)

__all__ = [
    "ANALYZE_AFTER_MOVED",
    "REBUILD_CHUNK",
    "SEGMENT_FIELDS",
    "SEGMENT_WRITE_ROLES",
    "dependent_segments",
    "follow_tag_rename",
    "referenced_segments",
    "require_segment_writer",
    "segment_create",
    "segment_delete",
    "segment_rebuild",
    "segment_request_rebuild",
    "segment_update",
    "segments_reevaluate",
    "segments_refresh_timed",
]
