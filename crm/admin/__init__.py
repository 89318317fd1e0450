"""The Django admin for tenant admins (scoped to their tenant) and superusers (every tenant),
one module per entity.

Writes go through the same services as the API and the pages; the forms run the models'
validation, so the admin shows the same errors."""

from . import customers, imports, leads, notes, segments, sources, tag_rules, tags  # noqa: F401
