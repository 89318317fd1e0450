"""Batched writes of an import: a batch's new customers by COPY on PostgreSQL (ids drawn from
the table's sequence first, so the rows and their links go in without reading them back) or
bulk_create elsewhere, its updated customers by one UPDATE … FROM (VALUES …) on PostgreSQL or
bulk_update elsewhere; custom values straight into their slot columns (overflow fields into
`custom_fields_extra`); then in bulk the tag links and their timeline rows, the field history
of what changed, the import records of the updated customers (undo, timeline; a new customer
carries its job's stamp, Customer.import_job, instead), one UPDATE for the score, and
`customers_changed` so rules and segments follow. Events (crm.services.emits): each new
customer `customer_created` {"import": job id}, each tag it got `tag_added`; each updated one
`customer_updated` and a `field_changed` per value, and `tag_added` per tag new to it; each new
lead `lead_created`, each updated lead whose status changed `lead_status_changed` — the
customers' `customer_created` and `tag_added` by one COPY per type and tag (copy_events: the
emit_many of an import's 400,000 events of 200,000 customers was a model instance each), the
others by multi-row INSERTs. Leads go through bulk_create / bulk_update
(their imports are smaller, and their rows narrow).

Where: customer_writer (CustomerWriter), lead_writer (LeadWriter), tagging (the tags and the
customers' tag links), copying (COPY); here what they share: the rows planned (Planned), the
counts written (Written) and how a value is kept (json_value) and shown (shown).

Helpers of crm.services.imports.pipeline (the actor was checked when the job started, in
crm.services.imports.jobs); not a way in."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tenancy.validators import FIELD_VALUE_MAX_LENGTH

from .validate import CleanRow


@dataclass
class Planned:
    """A row to write: a new record, or an update of `pk` (its rows merged when the file
    names the same person twice in one batch)."""

    row: CleanRow
    pk: int | None = None
    extra_rows: list[CleanRow] = field(default_factory=list)

    def merged(self) -> tuple[dict, dict, list[str]]:
        core, custom, tags = dict(self.row.core), dict(self.row.custom), list(self.row.tags)
        for later in self.extra_rows:
            core.update(later.core)
            custom.update(later.custom)
            tags += later.tags
        return core, custom, sorted(set(tags))


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    created_ids: list[int] = field(default_factory=list)


def json_value(value: Any) -> Any:
    """A column's value as kept in ImportRecord.before."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def shown(value: Any) -> str | None:
    """A value as field history shows it."""
    if value is None or value == "":
        return None
    text = "yes" if value is True else "no" if value is False else str(value)
    if len(text) > FIELD_VALUE_MAX_LENGTH:
        text = text[: FIELD_VALUE_MAX_LENGTH - 1] + "…"
    return text
