"""An import's customers, written batch by batch (crm.services.imports.writing says what goes
in, and which events): the new ones by COPY into a staging table and one INSERT … SELECT that
computes the score on the way in (PostgreSQL; ids drawn from the sequence first, `reserve`)
or bulk_create; the updated ones by UPDATE … FROM (VALUES …) or bulk_update, with their field
history and import records; their tag links through tagging.CustomerTagLinks.
Helpers of crm.services.imports.pipeline; not a way in."""

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db import connection
from django.utils import timezone

from customfields.models import FieldDefinition, FieldHistory
from customfields.services.values import to_json_value
from customfields.slots import EXTRA_FIELD
from tenancy.actors import Actor, actor_user

from ...models import Customer, ImportJob, ImportRecord
from ...selectors.scoring import score_expression
from .. import emits
from ..reactions import customers_changed
from . import copying
from .copying import is_postgres
from .tagging import CustomerTagLinks
from .writing import Planned, Written, json_value, shown

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


def _copied_columns(rows: list[dict[str, Any]]) -> list[str]:
    """The new customers' columns the staging COPY takes after `id` (the score is computed on
    the way in)."""
    return [name for name in rows[0] if name != "crm_score"]


def _copy_text(ids: list[int], names: list[str], rows: list[dict[str, Any]]) -> Iterator[str]:
    """The new customers as COPY text lines (copying.copy_lines): psycopg's write_row of these
    30-odd typed values was the writer's largest Python cost after building them."""
    values_of = itemgetter(*names)
    return copying.copy_lines([pk, *values_of(row)] for pk, row in zip(ids, rows, strict=True))


@dataclass
class NewCustomers:
    """A batch's new customers made ready to write (`CustomerWriter.prepare`): their columns'
    values, their tags, and — their ids reserved, on PostgreSQL — their rows as COPY text."""

    now: datetime
    rows: list[dict[str, Any]]
    tags: list[list[str]]
    ids: list[int] | None  # reserved by `reserve`
    names: list[str] | None = None  # the COPY's columns after `id`, with `text`
    text: list[str] | None = None


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
        # The connections whose session has the staging table (the run's writer threads
        # have one each).
        self._staged: set[int] = set()
        self.tag_links = CustomerTagLinks(tenant=self.tenant, by=by)

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

    def prepare(self, creates: list[Planned]) -> NewCustomers:
        """The new customers of a batch as they will be written. The importing thread calls
        this for a batch whose new rows have their ids (`reserve`) while the writer thread
        writes the batch before: turning ~30 values a row into COPY text was the largest
        Python cost on the writer's path. Their values depend on the file's rows alone."""
        now = timezone.now()
        rows: list[dict[str, Any]] = []
        tags: list[list[str]] = []
        for planned in creates:
            core, custom, row_tags = planned.merged()
            rows.append(self._new_values(core, custom, now))
            tags.append(sorted({*row_tags, *self.job_tags}))
        ids = [p.pk for p in creates] if creates and creates[0].pk else None
        new = NewCustomers(now=now, rows=rows, tags=tags, ids=ids)
        if rows and ids and is_postgres():
            new.names = _copied_columns(rows)
            new.text = list(_copy_text(ids, new.names, rows))
        return new

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
        if not creates or not is_postgres():
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

    def _insert(self, new: NewCustomers) -> list[int]:
        """Insert the new customers; their ids (given by `reserve`, or drawn here). SQLite:
        bulk_create, the score by one UPDATE.
        PostgreSQL: ids drawn from the sequence, the rows COPYed into a temporary table with
        the same columns, then one INSERT … SELECT computing the score on the way in (the
        same expression, crm.selectors.scoring): the wide rows are written once, not
        written and then rewritten by an UPDATE."""
        rows = new.rows
        if not rows:
            return []
        if not is_postgres():
            made = Customer.objects.bulk_create([Customer(**row) for row in rows], batch_size=500)
            ids = [customer.pk for customer in made]
            Customer.objects.filter(tenant=self.tenant, pk__in=ids).update(crm_score=self.score)
            return ids
        table = Customer._meta.db_table
        quote = connection.ops.quote_name
        names = new.names or _copied_columns(rows)
        fields = [Customer._meta.get_field(name) for name in names]
        columns = ", ".join(quote(f.column) for f in fields)
        stage = "crm_import_stage"
        ids = new.ids or self._next_ids(len(rows))
        text = new.text if new.text is not None else _copy_text(ids, names, rows)
        with connection.cursor() as cursor:
            if id(connection.connection) not in self._staged:
                # The score reads columns the file may not fill (the custom values it lacks):
                # the staging table has them too, empty, as the new customers' are.
                staged = [*fields, *unfilled_columns(fields)]
                definitions = ", ".join(
                    f"{quote(f.column)} {f.db_type(connection)}" for f in staged
                )
                cursor.execute(f"DROP TABLE IF EXISTS {stage}")
                cursor.execute(f"CREATE TEMPORARY TABLE {stage} (id bigint, {definitions})")
                self._staged.add(id(connection.connection))
            with cursor.cursor.copy(f"COPY {stage} (id, {columns}) FROM STDIN") as copy:
                for chunk in text:
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
        if not is_postgres():
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

    def write(
        self, *, creates: list[Planned], updates: list[Planned], new: NewCustomers | None = None
    ) -> Written:
        """Write a batch: `new` is `prepare(creates)` when it was made ahead."""
        new = new or self.prepare(creates)
        now = new.now
        done = Written()
        # The new customers carry the job's stamp (Customer.import_job): no ImportRecord each.
        ids = self._insert(new)
        copying.copy_events(
            tenant=self.tenant,
            event_type=emits.CUSTOMER_CREATED,
            customer_ids=ids,
            data={"import": self.job.pk},
        )
        self.tag_links.link_new(dict(zip(ids, new.tags, strict=True)), now=now)
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
        added = self.tag_links.link(wanted, existing_ids=list(update_tags), now=now)
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
