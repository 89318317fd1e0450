"""Writing the customers: COPY into crm_customer and each baseline's tables in the same order,
the EAV catalogue (attributes and enum values), and the naive table with the baselines'
indexes after loading."""

import heapq
import json
import time

from . import baselines as bl

CHUNK = 50_000


def _json_value(definition, value):
    if definition.field_type == "number":
        return float(value)
    return value


def copy_rows(cur, rows, *, enum_ids: dict[str, int], layouts=("ours", "jsonb", "eav")) -> None:
    """COPY customers [(id, core row, {definition: value})] into each layout's tables:
    "ours" (crm_customer), "naive" (same columns, its own table), "jsonb", "eav"."""
    from customfields.slots import ALL_SLOTS

    slot_index = {slot: i for i, slot in enumerate(ALL_SLOTS)}
    core_columns = ", ".join(bl.CORE_COLUMNS)
    slot_columns = ", ".join((*bl.CORE_COLUMNS, *ALL_SLOTS, "custom_fields_extra"))
    empty_slots = [None] * len(ALL_SLOTS)
    for layout in layouts:
        if layout in ("ours", "naive"):
            table = "crm_customer" if layout == "ours" else bl.NAIVE
            with cur.copy(f"COPY {table} ({slot_columns}) FROM STDIN") as copy:
                for cid, core, values in rows:
                    slots = empty_slots.copy()
                    extra = {}
                    for d, v in values.items():
                        if d.mapped_field_name:
                            slots[slot_index[d.mapped_field_name]] = v
                        else:
                            extra[d.field_key] = _json_value(d, v)
                    copy.write_row((cid, *core, *slots, json.dumps(extra)))
        elif layout == "jsonb":
            with cur.copy(f"COPY {bl.JSONB} ({core_columns}, custom) FROM STDIN") as copy:
                for cid, core, values in rows:
                    custom = {d.field_key: _json_value(d, v) for d, v in values.items()}
                    copy.write_row((cid, *core, json.dumps(custom)))
        elif layout == "eav":
            with cur.copy(f"COPY {bl.EAV_ENTITY} ({core_columns}) FROM STDIN") as copy:
                for cid, core, _ in rows:
                    copy.write_row((cid, *core))
            value_columns = ", ".join(bl.EAV_VALUE_COLUMNS)
            with cur.copy(f"COPY {bl.EAV_VALUE} ({value_columns}) FROM STDIN") as copy:
                for cid, core, values in rows:
                    stamp = core[-2]
                    for d, v in values.items():
                        t = d.field_type
                        copy.write_row(
                            (
                                bl.ENTITY_CT,
                                d.pk,
                                cid,
                                v if t in ("text", "email", "phone", "url") else "",
                                float(v) if t == "number" else None,
                                v if t == "date" else None,
                                v if t == "boolean" else None,
                                enum_ids[v] if t == "select" else None,
                                stamp,
                                stamp,
                                core[0],
                            )
                        )
        else:
            raise ValueError(layout)


def _tagged(times: list[float], index: int):
    return ((ts, index) for ts in times)


def load_customers(streams, *, total: int, enum_ids: dict[str, int]) -> None:
    from django.db import connection, transaction

    from crm.models import Customer

    done = Customer.objects.count()
    if done == total:
        print(f"customers: all {total:,} already loaded")
        return
    if done:
        raise SystemExit(f"Found {done:,} customers, not {total:,}; run again with --reset.")
    order = heapq.merge(*(_tagged(stream.created_times(), i) for i, stream in enumerate(streams)))
    next_id = 1
    loaded = 0
    started = time.perf_counter()
    while True:
        batch = []
        for ts, i in order:
            batch.append((ts, i))
            if len(batch) == CHUNK:
                break
        if not batch:
            break
        rows = []
        for ts, i in batch:
            core, values = streams[i].customer(ts)
            rows.append((next_id, core, values))
            next_id += 1
        with transaction.atomic(), connection.cursor() as cur:
            copy_rows(cur, rows, enum_ids=enum_ids)
        loaded += len(rows)
        rate = loaded / (time.perf_counter() - started)
        print(f"customers: {loaded:>9,} / {total:,}  ({rate:,.0f} customers/s)", flush=True)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('crm_customer', 'id'), %s)", [next_id - 1]
        )


def enum_value_ids(definitions) -> dict[str, int]:
    """eav2's EnumValue ids: every select option of every tenant, numbered in sorted order."""
    options = sorted({o for d in definitions for o in d.select_options})
    return {value: i for i, value in enumerate(options, start=1)}


def load_eav_catalogue(definitions) -> dict[str, int]:
    """Attributes (one per field definition, same id) and the global enum values."""
    from django.db import connection

    datatype = {
        "text": "text",
        "email": "text",
        "phone": "text",
        "url": "text",
        "number": "float",
        "date": "date",
        "boolean": "bool",
        "select": "enum",
    }
    enum_ids = enum_value_ids(definitions)
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {bl.EAV_ATTRIBUTE}")
        if cur.fetchone()[0]:
            return enum_ids
        with cur.copy(f"COPY {bl.EAV_ENUM} (id, value) FROM STDIN") as copy:
            for value, i in enum_ids.items():
                copy.write_row((i, value))
        with cur.copy(
            f"COPY {bl.EAV_ATTRIBUTE} (id, tenant_id, name, slug, datatype, required, "
            "display_order, entity_ct_id) FROM STDIN"
        ) as copy:
            for d in definitions:
                copy.write_row(
                    (
                        d.pk,
                        d.tenant_id,
                        d.field_label[:100],
                        d.field_key,
                        datatype[d.field_type],
                        d.is_required,
                        d.order,
                        bl.ENTITY_CT,
                    )
                )
    return enum_ids


def build_naive_and_indexes() -> None:
    from django.db import connection

    from customfields.slots import ALL_SLOTS

    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {bl.NAIVE}")
        if cur.fetchone()[0] == 0:
            step = time.perf_counter()
            cur.execute(f"INSERT INTO {bl.NAIVE} SELECT * FROM crm_customer ORDER BY id")
            print(f"naive table copied: {time.perf_counter() - step:.1f} s", flush=True)
        cur.execute("SELECT relname FROM pg_class UNION SELECT conname FROM pg_constraint")
        existing = {row[0] for row in cur.fetchall()}
        step = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '512MB'")
        for name, statement in bl.create_indexes():
            if name not in existing:
                cur.execute(statement)
        print(
            f"baseline indexes ({len(ALL_SLOTS)} on the naive table): "
            f"{time.perf_counter() - step:.1f} s",
            flush=True,
        )
