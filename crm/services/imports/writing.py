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

Helpers of crm.services.imports.jobs, which has checked the actor; not a way in."""

import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db import connection
from django.utils import timezone

from customfields.models import FieldDefinition, FieldHistory
from customfields.services.values import to_json_value
from customfields.slots import EXTRA_FIELD
from tenancy.actors import Actor, actor_user
from tenancy.events import EventSpec, clean_data, clean_event_type, emit_many
from tenancy.events.wakeup import process_after_commit
from tenancy.models import EventStatus, OutboxEvent, Tenant
from tenancy.validators import FIELD_VALUE_MAX_LENGTH

from ...models import (
    CONTACTED_STATUSES,
    QUALIFIED_STATUSES,
    ActivityKind,
    Customer,
    CustomerTag,
    CustomerTagChange,
    ImportJob,
    ImportRecord,
    Lead,
    LeadActivity,
    LeadStatus,
    LeadTag,
    Tag,
    palette_color,
)
from ...selectors.scoring import score_expression
from ...signals import announce_leads_changed
from .. import emits
from ..leads import score_lead
from ..reactions import customers_changed
from .validate import CleanRow

PG_MAX_PARAMS = 60_000  # per statement (PostgreSQL's limit is 65,535)


def unfilled_columns(fields: list) -> list:
    """Customer's other nullable stored columns (the slots a file leaves out), for a staging
    table that expressions over the whole row (the score) can read."""
    have = {f.column for f in fields}
    return [
        f
        for f in Customer._meta.concrete_fields
        if f.null and f.column not in have and f.column != "id" and not f.generated
    ]


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


def tag_ids(*, tenant: Tenant, names: Iterable[str]) -> dict[str, int]:
    """{name: id} of the tenant's tags `names`, made first when new."""
    names = sorted(set(names))
    if not names:
        return {}
    Tag.objects.bulk_create(
        [Tag(tenant=tenant, name=name, color=palette_color(name)) for name in names],
        ignore_conflicts=True,
    )
    return dict(Tag.objects.for_tenant(tenant).filter(name__in=names).values_list("name", "pk"))


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
COPY_LINES = 5_000  # lines sent to the server per write


def copy_text(value: Any) -> str:
    """A value as a field of COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, date | datetime):
        value = value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def copy_in(
    model, columns: Sequence[str], rows: Iterable[tuple], *, fixed: Mapping[str, Any] | None = None
) -> None:
    """Insert `rows` (tuples of `columns`, attribute names), each with the `fixed` values
    besides (the same for every row), into `model`'s table: COPY on PostgreSQL (no model
    instances, no parameter lists), bulk_create elsewhere. For rows that cannot conflict with
    a unique constraint (COPY has no ON CONFLICT). The lines are written as text, the fixed
    part turned into text once and a whole number as it is: psycopg's `write_row` took ~4 µs
    a row, and an import writes ~5 of these rows per customer."""
    fixed = dict(fixed or {})
    if not _is_postgres():
        model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True)), **fixed) for row in rows],
            batch_size=500,
        )
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(c).column) for c in [*columns, *fixed])
    tail = "".join(f"\t{copy_text(value)}" for value in fixed.values())
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy:
            for chunk in copy_lines(rows, tail=tail):
                copy.write(chunk)


def copy_lines(rows: Iterable[Sequence], *, tail: str = "") -> Iterator[str]:
    """COPY text of `rows` (each followed by `tail`, fields already as text), COPY_LINES
    lines at a time: a whole number as it is, a printable text without a backslash as it is
    (nothing in it for COPY to escape), anything else through copy_text."""
    end = tail + "\n"
    lines = (
        "\t".join(
            [
                str(v)
                if v.__class__ is int
                else v
                if v.__class__ is str and v.isprintable() and "\\" not in v
                else copy_text(v)
                for v in row
            ]
        )
        + end
        for row in rows
    )
    while chunk := "".join(itertools.islice(lines, COPY_LINES)):
        yield chunk


def copy_events(*, tenant: Tenant, event_type: str, customer_ids: Sequence[int], data: dict) -> int:
    """One event of `event_type` with the same `data` for each of `customer_ids` (an import's
    new customers, or those a tag was added to), in the caller's transaction: one COPY on
    PostgreSQL — the payload checked and turned into JSON once, no model instance per event —
    emit_many elsewhere. The rows are emit_many's (pending, due now, no key)."""
    if not customer_ids:
        return 0
    if not _is_postgres():
        return emit_many(
            tenant=tenant,
            events=(EventSpec(event_type, customer_id=pk, data=data) for pk in customer_ids),
        )
    now = timezone.now()
    fixed = {
        "tenant_id": tenant.pk,
        "event_type": clean_event_type(event_type),
        "data": clean_data(data),
        "event_id": None,
        "occurred_at": now,
        "recorded_at": now,
        "available_at": now,
        "status": EventStatus.PENDING,
        "attempts": 0,
        "last_error": "",
    }
    copy_in(OutboxEvent, ("customer_id",), ((pk,) for pk in customer_ids), fixed=fixed)
    process_after_commit()
    return len(customer_ids)


class CustomerWriter:
    """Writes one job's customers, batch by batch."""

    def __init__(
        self,
        *,
        job: ImportJob,
        by: Actor,
        definitions: Mapping[str, FieldDefinition],
        targets: Sequence[str],
        labels: Mapping[str, str],
    ):
        self.job = job
        self.tenant = job.tenant
        self.by = by
        self.user = actor_user(by)
        self.definitions = definitions
        self.labels = labels
        self.reason = f"import #{job.pk}"
        core = [t for t in targets if not t.startswith("custom.") and t != "tags"]
        custom = [t.removeprefix("custom.") for t in targets if t.startswith("custom.")]
        self.slot_keys = [k for k in custom if definitions[k].in_slot]
        self.extra_keys = [k for k in custom if not definitions[k].in_slot]
        # The columns an update may change, and where each value comes from.
        self.columns: list[tuple[str, str, str]] = [(name, "core", name) for name in core]
        self.columns += [(definitions[k].mapped_field_name, "custom", k) for k in self.slot_keys]
        self.job_tags = list(job.tags or [])
        self.score = score_expression(tenant=self.tenant, definitions=definitions)
        self._staged = False
        self._tag_cache: dict[str, int] = {}

    # -- new customers -------------------------------------------------------------------
    def _new_values(self, core: dict, custom: dict, now: datetime) -> dict[str, Any]:
        values = {
            "tenant_id": self.tenant.pk,
            "first_name": "",
            "last_name": "",
            "email": "",
            "phone": "",
            "company": "",
            "description": "",
            "crm_score": 0,
            "last_contacted_at": None,
            "total_interactions": 0,
            "total_purchases": 0,
            "total_spent": Decimal("0"),
            "created_by_id": self.user.pk if self.user else None,
            "import_job_id": self.job.pk,
            "created_at": now,
            "updated_at": now,
        }
        values.update(core)
        for key in self.slot_keys:
            values[self.definitions[key].mapped_field_name] = custom.get(key)
        values[EXTRA_FIELD] = {
            k: to_json_value(custom[k]) for k in self.extra_keys if custom.get(k) is not None
        }
        return values

    def _score_sql(self) -> tuple[str, list[Any]]:
        """The score expression as SQL over a row aliased as the customer table."""
        query = Customer.objects.all().query
        resolved = self.score.resolve_expression(query, allow_joins=False, for_save=True)
        sql, params = query.get_compiler(connection=connection).compile(resolved)
        return sql, list(params)

    def reserve(self, creates: list[Planned]) -> None:
        """Give new customers their ids before they are written (PostgreSQL; drawn from the
        table's sequence): the next batch can then be matched against them while this one is
        written by another thread. Elsewhere the write gives them."""
        if not creates or not _is_postgres():
            return
        for planned, pk in zip(creates, self._next_ids(len(creates)), strict=True):
            planned.pk = pk

    def _next_ids(self, count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Customer._meta.db_table, count],
            )
            return [pk for (pk,) in cursor.fetchall()]

    def _insert(self, rows: list[dict[str, Any]], ids: list[int] | None = None) -> list[int]:
        """Insert the new customers; their ids (`ids`: given by `reserve`). SQLite:
        bulk_create, the score by one UPDATE.
        PostgreSQL: ids drawn from the sequence, the rows COPYed into a temporary table with
        the same columns, then one INSERT … SELECT computing the score on the way in (the
        same expression, crm.selectors.scoring): the wide rows are written once, not
        written and then rewritten by an UPDATE."""
        if not rows:
            return []
        if not _is_postgres():
            made = Customer.objects.bulk_create([Customer(**row) for row in rows], batch_size=500)
            ids = [customer.pk for customer in made]
            Customer.objects.filter(tenant=self.tenant, pk__in=ids).update(crm_score=self.score)
            return ids
        table = Customer._meta.db_table
        quote = connection.ops.quote_name
        names = [name for name in rows[0] if name != "crm_score"]
        fields = [Customer._meta.get_field(name) for name in names]
        columns = ", ".join(quote(f.column) for f in fields)
        stage = "crm_import_stage"
        ids = ids or self._next_ids(len(rows))
        with connection.cursor() as cursor:
            if not self._staged:
                # The score reads columns the file may not fill (the custom values it lacks):
                # the staging table has them too, empty, as the new customers' are.
                staged = [*fields, *unfilled_columns(fields)]
                definitions = ", ".join(
                    f"{quote(f.column)} {f.db_type(connection)}" for f in staged
                )
                cursor.execute(f"DROP TABLE IF EXISTS {stage}")
                cursor.execute(f"CREATE TEMPORARY TABLE {stage} (id bigint, {definitions})")
                self._staged = True
            # As text lines (copy_lines): psycopg's write_row of these 30-odd typed values
            # was the writer's largest Python cost after building them.
            values_of = itemgetter(*names)
            with cursor.cursor.copy(f"COPY {stage} (id, {columns}) FROM STDIN") as copy:
                for chunk in copy_lines(
                    [pk, *values_of(row)] for pk, row in zip(ids, rows, strict=True)
                ):
                    copy.write(chunk)
            score_sql, score_params = self._score_sql()
            cursor.execute(
                f"INSERT INTO {table} (id, {columns}, crm_score) "
                f"SELECT id, {columns}, {score_sql} FROM {stage} AS {quote(table)}",
                score_params,
            )
            cursor.execute(f"TRUNCATE {stage}")
        return ids

    # -- updated customers ---------------------------------------------------------------
    def _current(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        names = [column for column, _, _ in self.columns]
        if self.extra_keys:
            names.append(EXTRA_FIELD)
        rows = Customer.objects.filter(tenant=self.tenant, pk__in=ids).values("pk", *names)
        return {row.pop("pk"): row for row in rows}

    def _update(
        self, changes: dict[int, dict[str, Any]], current: dict[int, dict[str, Any]], now: datetime
    ) -> None:
        """Write {pk: {column: new value}}: every row gets the union of the changed columns,
        its unchanged ones with the values just read."""
        if not changes:
            return
        names = sorted({column for change in changes.values() for column in change})
        full = {
            pk: {name: change.get(name, current[pk][name]) for name in names}
            for pk, change in changes.items()
        }
        if not _is_postgres():
            objects = [Customer(pk=pk, updated_at=now, **values) for pk, values in full.items()]
            Customer.objects.bulk_update(objects, [*names, "updated_at"], batch_size=500)
            return
        fields = [Customer._meta.get_field(name) for name in names]
        quote = connection.ops.quote_name
        casts = ", ".join(
            f"%s::{'jsonb' if f.name == EXTRA_FIELD else f.db_type(connection)}" for f in fields
        )
        per_statement = max(1, PG_MAX_PARAMS // (len(fields) + 1))
        items = list(full.items())
        names_sql = ", ".join(quote(f.column) for f in fields)
        sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
        for start in range(0, len(items), per_statement):
            part = items[start : start + per_statement]
            params: list[Any] = []
            for pk, values in part:
                params.append(pk)
                for f in fields:
                    value = values[f.name]
                    params.append(json.dumps(value) if f.name == EXTRA_FIELD else value)
            rows_sql = ", ".join([f"(%s::bigint, {casts})"] * len(part))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {Customer._meta.db_table} AS c SET {sets}, updated_at = %s "
                    f"FROM (VALUES {rows_sql}) AS v(id, {names_sql}) "
                    "WHERE c.id = v.id AND c.tenant_id = %s",
                    [now, *params, self.tenant.pk],
                )

    def write(self, *, creates: list[Planned], updates: list[Planned]) -> Written:
        now = timezone.now()
        done = Written()
        new_rows: list[dict[str, Any]] = []
        new_tags: list[list[str]] = []
        for planned in creates:
            core, custom, tags = planned.merged()
            new_rows.append(self._new_values(core, custom, now))
            new_tags.append(sorted({*tags, *self.job_tags}))
        # The new customers carry the job's stamp (Customer.import_job): no ImportRecord each.
        reserved = [p.pk for p in creates] if creates and creates[0].pk else None
        ids = self._insert(new_rows, reserved)
        copy_events(
            tenant=self.tenant,
            event_type=emits.CUSTOMER_CREATED,
            customer_ids=ids,
            data={"import": self.job.pk},
        )
        self._link_new_tags(dict(zip(ids, new_tags, strict=True)), now=now)
        records: list[ImportRecord] = []
        for planned, pk in zip(creates, ids, strict=True):
            planned.pk = pk
        done.created, done.created_ids = len(ids), ids

        # Updates: what changes, the values before, the history.
        current = self._current([p.pk for p in updates])
        changes: dict[int, dict[str, Any]] = {}
        history: list[FieldHistory] = []
        update_records: dict[int, ImportRecord] = {}
        update_tags: dict[int, list[str]] = {}
        for planned in updates:
            core, custom, tags = planned.merged()
            old = current.get(planned.pk)
            if old is None:  # gone since the batch was planned
                done.unchanged += 1
                continue
            change: dict[str, Any] = {}
            before: dict[str, Any] = {}
            labels: list[str] = []
            for column, source, name in self.columns:
                new = core.get(name) if source == "core" else custom.get(name)
                if new is None or new == "" or new == old[column]:
                    continue
                change[column], before[column] = new, json_value(old[column])
                if source == "core":
                    label = self.labels.get(name, name)
                    history.append(
                        self._history(planned.pk, None, name, label, old[column], new, now)
                    )
                else:
                    definition = self.definitions[name]
                    label = definition.field_label
                    history.append(
                        self._history(planned.pk, definition, name, label, old[column], new, now)
                    )
                labels.append(label)
            if self.extra_keys:
                extra = dict(old[EXTRA_FIELD] or {})
                for key in self.extra_keys:
                    new = custom.get(key)
                    if new is None or extra.get(key) == to_json_value(new):
                        continue
                    definition = self.definitions[key]
                    history.append(
                        self._history(
                            planned.pk,
                            definition,
                            key,
                            definition.field_label,
                            extra.get(key),
                            new,
                            now,
                        )
                    )
                    labels.append(definition.field_label)
                    extra[key] = to_json_value(new)
                if extra != (old[EXTRA_FIELD] or {}):
                    before[EXTRA_FIELD] = old[EXTRA_FIELD] or {}
                    change[EXTRA_FIELD] = extra
            if change:
                changes[planned.pk] = change
            update_tags[planned.pk] = sorted({*tags, *self.job_tags})
            update_records[planned.pk] = ImportRecord(
                tenant=self.tenant,
                job=self.job,
                row=planned.row.number,
                customer_id=planned.pk,
                created=False,
                before=before,
                changed=labels,
                at=now,
            )
        self._update(changes, current, now)

        # Tags of the updated customers: the links that are new, and their timeline rows.
        wanted = {pk: names for pk, names in update_tags.items() if names}
        added = self._link_tags(wanted, existing_ids=list(update_tags), now=now)
        for pk, names in added.items():
            if pk in update_records:
                update_records[pk].added_tags = names
                update_records[pk].changed = [*update_records[pk].changed, "tags"]
        for record in update_records.values():
            if record.before or record.added_tags:
                records.append(record)
                done.updated += 1
            else:
                done.unchanged += 1
        ImportRecord.objects.bulk_create(records, batch_size=2000)
        FieldHistory.objects.bulk_create(history, batch_size=2000)
        emits.customers_fields_changed(tenant=self.tenant, history=history)
        updated = sorted(r.customer_id for r in records)
        if updated:
            # The score reads the values just written (completeness, purchases); the new
            # customers got theirs as they went in.
            Customer.objects.filter(tenant=self.tenant, pk__in=updated).update(crm_score=self.score)
        if touched := sorted({*ids, *updated}):
            customers_changed(tenant=self.tenant, customer_ids=touched, by=self.by)
        return done

    def _history(self, pk, definition, key, label, old, new, now) -> FieldHistory:
        return FieldHistory(
            tenant=self.tenant,
            customer_id=pk,
            definition=definition,
            field_key=key,
            field_label=label,
            old_value=shown(old),
            new_value=shown(new),
            changed_by=self.user,
            changed_at=now,
            reason=self.reason,
        )

    def _link_new_tags(self, wanted: dict[int, list[str]], *, now: datetime) -> None:
        """Links of new customers (none can exist yet) and their timeline rows, by COPY."""
        if not any(wanted.values()):
            return
        ids = self._tag_ids(wanted)
        user = self.user.pk if self.user else None
        pairs = [(pk, name) for pk, names in wanted.items() for name in names]
        tenant = {"tenant_id": self.tenant.pk}
        copy_in(CustomerTag, ("customer_id", "tag_id"),
                ((pk, ids[name]) for pk, name in pairs), fixed=tenant)  # fmt: skip
        copy_in(
            CustomerTagChange,
            ("customer_id", "tag_name"),
            pairs,
            fixed={**tenant, "added": True, "changed_by_id": user, "changed_at": now},
        )
        self._emit_tags_added(pairs)

    def _tag_ids(self, wanted: dict[int, list[str]]) -> dict[str, int]:
        names = {n for names in wanted.values() for n in names}
        missing = names - set(self._tag_cache)
        if missing:
            self._tag_cache.update(tag_ids(tenant=self.tenant, names=missing))
        return self._tag_cache

    def _link_tags(
        self, wanted: dict[int, list[str]], *, existing_ids: list[int], now: datetime
    ) -> dict[int, list[str]]:
        """Link each customer to its tags; returns {customer: names newly added}."""
        if not wanted:
            return {}
        ids = self._tag_ids(wanted)
        had: set[tuple[int, int]] = set()
        if existing_ids:
            had = set(
                CustomerTag.objects.filter(
                    tenant=self.tenant, customer_id__in=existing_ids, tag_id__in=ids.values()
                ).values_list("customer_id", "tag_id")
            )
        links, changes, added = [], [], {}
        for pk, names in wanted.items():
            for name in names:
                if (pk, ids[name]) in had:
                    continue
                links.append(CustomerTag(tenant=self.tenant, customer_id=pk, tag_id=ids[name]))
                changes.append(
                    CustomerTagChange(
                        tenant=self.tenant,
                        customer_id=pk,
                        tag_name=name,
                        added=True,
                        changed_by=self.user,
                        changed_at=now,
                    )
                )
                added.setdefault(pk, []).append(name)
        CustomerTag.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
        CustomerTagChange.objects.bulk_create(changes, batch_size=2000)
        self._emit_tags_added([(pk, name) for pk, names in added.items() for name in names])
        return added

    def _emit_tags_added(self, pairs: list[tuple[int, str]]) -> None:
        """`tag_added` for each (customer, tag name): one COPY per tag."""
        by_tag: dict[str, list[int]] = {}
        for pk, name in pairs:
            by_tag.setdefault(name, []).append(pk)
        for name, customer_ids in by_tag.items():
            copy_events(
                tenant=self.tenant,
                event_type=emits.TAG_ADDED,
                customer_ids=customer_ids,
                data=emits.tag_data(name),
            )


def stamp_funnel(values: dict[str, Any], now: datetime) -> None:
    """When a new lead starts at a later status, it reached the funnel's stages now (as
    the lead services stamp them)."""
    status = values.get("status", LeadStatus.NEW)
    if status in CONTACTED_STATUSES:
        values.setdefault("contacted_at", now)
    if status in QUALIFIED_STATUSES:
        values.setdefault("qualified_at", now)
    if status == LeadStatus.WON:
        values.setdefault("converted_at", now)


class LeadWriter:
    """Writes one job's leads, batch by batch (bulk_create / bulk_update)."""

    def __init__(self, *, job: ImportJob, by: Actor, default_source, labels: Mapping[str, str]):
        self.job = job
        self.tenant = job.tenant
        self.by = by
        self.user = actor_user(by)
        self.default_source = default_source
        self.labels = labels
        self.job_tags = list(job.tags or [])

    def write(self, *, creates: list[Planned], updates: list[Planned]) -> Written:
        now = timezone.now()
        done = Written()
        leads, tag_lists = [], []
        for planned in creates:
            core, _, tags = planned.merged()
            tags = sorted({*tags, *self.job_tags})
            values = dict(core)
            values.setdefault("source", self.default_source)
            if values.get("lead_score") is None:
                values["lead_score"] = score_lead(
                    source=values["source"],
                    company=values.get("company", ""),
                    email=values.get("email", ""),
                    tags=tags,
                )
            stamp_funnel(values, now)
            leads.append(Lead(tenant=self.tenant, created_by=self.user, created_at=now, **values))
            tag_lists.append(tags)
        Lead.objects.bulk_create(leads, batch_size=500)
        emits.leads_created(tenant=self.tenant, leads=leads)
        for planned, lead in zip(creates, leads, strict=True):
            planned.pk = lead.pk
        done.created, done.created_ids = len(leads), [lead.pk for lead in leads]
        records = [
            ImportRecord(
                tenant=self.tenant, job=self.job, row=p.row.number, lead=lead, created=True, at=now
            )
            for p, lead in zip(creates, leads, strict=True)
        ]
        activities = [
            LeadActivity(
                tenant=self.tenant,
                lead=lead,
                actor=self.user,
                kind=ActivityKind.CREATED,
                message=f"Imported from {self.job.filename} (import #{self.job.pk}), "
                f"score {lead.lead_score}.",
                created_at=now,
            )
            for lead in leads
        ]
        wanted = {lead.pk: tags for lead, tags in zip(leads, tag_lists, strict=True) if tags}

        current = {
            lead.pk: lead
            for lead in Lead.objects.filter(tenant=self.tenant, pk__in=[p.pk for p in updates])
        }
        changed_leads, fields, moved = [], set(), []
        for planned in updates:
            lead = current.get(planned.pk)
            if lead is None:
                done.unchanged += 1
                continue
            core, _, tags = planned.merged()
            before, labels = {}, []
            for name, new in core.items():
                model_field = Lead._meta.get_field(name)
                old = getattr(lead, model_field.attname)
                new_raw = new.pk if model_field.is_relation else new
                if new_raw == old:
                    continue
                before[name] = json_value(old)
                setattr(lead, model_field.attname, new_raw)
                fields.add(model_field.attname)
                labels.append(self.labels.get(name, name))
            wanted_tags = sorted({*tags, *self.job_tags})
            if wanted_tags:
                wanted[lead.pk] = wanted_tags
            if before:
                changed_leads.append(lead)
                if "status" in before:
                    moved.append((lead, before["status"], lead.status))
            records.append(
                ImportRecord(
                    tenant=self.tenant,
                    job=self.job,
                    row=planned.row.number,
                    lead=lead,
                    created=False,
                    before=before,
                    changed=labels,
                    at=now,
                )
            )
        if changed_leads:
            for lead in changed_leads:
                lead.updated_at = now
            Lead.objects.bulk_update(changed_leads, [*sorted(fields), "updated_at"], batch_size=500)
            emits.lead_status_changes(tenant=self.tenant, changes=moved)
        announce_leads_changed(
            tenant=self.tenant, lead_ids=[*done.created_ids, *(lead.pk for lead, _, _ in moved)]
        )
        added = self._link_tags(wanted, existing_ids=list(current))
        kept = []
        for record in records:
            if not record.created:
                record.added_tags = added.get(record.lead_id, [])
                if record.added_tags:
                    record.changed = [*record.changed, "tags"]
                if not (record.before or record.added_tags):
                    done.unchanged += 1
                    continue
                done.updated += 1
                activities.append(
                    LeadActivity(
                        tenant=self.tenant,
                        lead_id=record.lead_id,
                        actor=self.user,
                        kind=ActivityKind.UPDATED,
                        message=f"Updated by import #{self.job.pk}: {', '.join(record.changed)}.",
                        changes={k: [v, None] for k, v in record.before.items()},
                        created_at=now,
                    )
                )
            kept.append(record)
        ImportRecord.objects.bulk_create(kept, batch_size=2000)
        LeadActivity.objects.bulk_create(activities, batch_size=2000)
        return done

    def _link_tags(
        self, wanted: dict[int, list[str]], *, existing_ids: list[int]
    ) -> dict[int, list[str]]:
        if not wanted:
            return {}
        ids = tag_ids(tenant=self.tenant, names={n for names in wanted.values() for n in names})
        had = (
            set(
                LeadTag.objects.filter(tenant=self.tenant, lead_id__in=existing_ids).values_list(
                    "lead_id", "tag_id"
                )
            )
            if existing_ids
            else set()
        )
        links, added = [], {}
        for pk, names in wanted.items():
            for name in names:
                if (pk, ids[name]) not in had:
                    links.append(LeadTag(tenant=self.tenant, lead_id=pk, tag_id=ids[name]))
                    added.setdefault(pk, []).append(name)
        LeadTag.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
        return added
