"""Which custom-field slots of the host model (crm.Customer) are indexed, and how. Decided by
the benchmark in bench/customfields (figures and reasons: docs/benchmarks.md, "Customers and
custom fields").

One partial B-tree per slot of the types that are filtered by value or range and sorted —
text, number, date, boolean and select, 75 slots:

    CREATE INDEX customer_custom_number_3 ON crm_customer (tenant_id, custom_number_3)
        WHERE custom_number_3 IS NOT NULL

- `tenant_id` leads, so one tenant's values are one contiguous range: `cf_x=v`, `cf_x__in`,
  `cf_x__gte/__lte` with `ordering=cf_x` (read in index order, no sort) and COUNT (index-only)
  touch only that tenant's entries, whichever field the slot holds for it;
- partial (`IS NOT NULL`): an index holds only filled values, so a slot nobody uses costs a
  page, and every `cf_` lookup (all reject empty values) can use it;
- static: 75 indexes whatever the number of tenants. Per-tenant indexes created on demand
  (`(slot) WHERE tenant_id = N AND slot IS NOT NULL`) are ~20 % smaller, but every statement on
  crm_customer then plans against, and locks, every tenant's indexes: with the 50 bench tenants
  (1,404 indexes) that cost 8-24 ms of planning and 1,413 locks per query, a primary-key lookup
  included, and cut single-field updates from ~2,100/s to ~350/s; it grows with each tenant.

Email, phone and url slots are not indexed: their nearly unique values were 40 % of the index
volume (34 of 83 MB per 200K customers, over the 50 MB budget with them) and their filters are
mostly `__contains`, which no B-tree serves; an exact match on them reads the tenant's
customers instead (190–280 ms for 200K). Fields that overflowed into `custom_fields_extra` are
not indexed either.

Works the same on SQLite (partial indexes are standard there). The host model's Meta declares
the indexes from `slot_indexes()`; the host app's migrations create them.
"""

from collections.abc import Mapping

from django.db import models
from django.db.models import Q

from .slots import SLOT_LAYOUT

INDEXED_TYPES = ("text", "number", "date", "boolean", "select")


def slot_index_name(slot: str) -> str:
    """`customer_custom_select_10`: within Django's 30-character limit for index names."""
    return f"customer_{slot}"


def slot_index(slot: str) -> models.Index:
    return models.Index(
        fields=["tenant", slot],
        condition=Q(**{f"{slot}__isnull": False}),
        name=slot_index_name(slot),
    )


def slot_indexes(layout: Mapping[str, int] = SLOT_LAYOUT) -> list[models.Index]:
    """The indexes for a slot layout ({field type: number of slots})."""
    return [
        slot_index(f"custom_{field_type}_{n}")
        for field_type in INDEXED_TYPES
        for n in range(1, layout[field_type] + 1)
    ]
