"""The baselines' reads: the same scenarios as bare SQL in the shape each design implies (EAV:
django-eav2's subqueries, then the page's values in one query; JSONB: containment and casts;
naive: ours' statements on the table with 90 full indexes)."""

import json

from . import baselines as bl
from .data import COUNT_FIELD, DATE_FIELD, EQ_TEXT_FIELD, NUMBER_FIELD, SELECT_FIELD
from .ours import OursSQL, SQLSystem


class Naive(OursSQL):
    name = "naive"
    table = bl.NAIVE


class JSONBSystem(SQLSystem):
    name = "JSONB"

    def statements(self, scenario, p):
        t, tid = bl.JSONB, self.ctx.tenant.pk
        cols = "*"
        num, day = f"(custom->>'{NUMBER_FIELD}')::numeric", f"(custom->>'{DATE_FIELD}')"
        if scenario == "eq":
            doc = json.dumps({EQ_TEXT_FIELD: p["v"]})
            return [
                (
                    f"SELECT {cols} FROM {t} WHERE tenant_id = %s AND custom @> %s::jsonb "
                    "ORDER BY created_at DESC, id DESC LIMIT 50",
                    (tid, doc),
                )
            ]
        if scenario == "range asc":
            return [
                (
                    f"SELECT {cols} FROM {t} WHERE tenant_id = %s AND {num} >= %s AND {num} <= %s "
                    f"ORDER BY {num} ASC NULLS LAST, id DESC LIMIT 50",
                    (tid, p["lo"], p["hi"]),
                )
            ]
        if scenario == "range desc":
            return [
                (
                    f"SELECT {cols} FROM {t} WHERE tenant_id = %s AND {day} >= %s "
                    f"ORDER BY {day} DESC NULLS LAST, id DESC LIMIT 50",
                    (tid, p["d"].isoformat()),
                )
            ]
        if scenario == "and":
            doc = json.dumps({SELECT_FIELD: p["opt"]})
            return [
                (
                    f"SELECT {cols} FROM {t} WHERE tenant_id = %s AND custom @> %s::jsonb "
                    f"AND {day} >= %s ORDER BY created_at DESC, id DESC LIMIT 50",
                    (tid, doc, p["d"].isoformat()),
                )
            ]
        if scenario == "count":
            doc = json.dumps({COUNT_FIELD: p["v"]})
            return [
                (
                    f"SELECT count(*) FROM {t} WHERE tenant_id = %s AND custom @> %s::jsonb",
                    (tid, doc),
                )
            ]
        if scenario == "profile":
            return [
                (f"SELECT {cols} FROM {t} WHERE tenant_id = %s AND id = %s", (tid, p["id"])),
                definitions_sql(tid),
            ]
        raise ValueError(scenario)


def definitions_sql(tenant_id: int) -> tuple[str, tuple]:
    return (
        "SELECT * FROM customfields_fielddefinition WHERE tenant_id = %s AND is_active "
        'ORDER BY "order", id',
        (tenant_id,),
    )


class EAVSystem(SQLSystem):
    """django-eav2's shapes: `pk IN (SELECT entity_id FROM value WHERE attribute = … AND
    value_x = …)` per filter, then the page's values in one query (as a prefetch would)."""

    name = "EAV"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.attr = {key: d.pk for key, d in ctx.definitions.items()}
        self.all_attrs = sorted(self.attr.values())
        self.cols = ", ".join(f"e.{c}" for c in bl.CORE_COLUMNS)

    def _in(self, attr_key: str, condition: str) -> str:
        return (
            f"e.id IN (SELECT v.entity_id FROM {bl.EAV_VALUE} v WHERE v.entity_ct_id = "
            f"{bl.ENTITY_CT} AND v.attribute_id = {self.attr[attr_key]} AND {condition})"
        )

    def run(self, scenario: str, i: int) -> int:
        from django.db import connection

        cases = self.ctx.cases[scenario]
        p = cases[i % len(cases)]
        tid = self.ctx.tenant.pk
        e, v = bl.EAV_ENTITY, bl.EAV_VALUE
        page_order = "ORDER BY e.created_at DESC, e.id DESC LIMIT 50"
        with connection.cursor() as cur:
            if scenario == "count":
                cur.execute(
                    f"SELECT count(*) FROM {e} e WHERE e.tenant_id = %s AND "
                    + self._in(COUNT_FIELD, "v.value_enum_id = %s"),
                    (tid, self.ctx.enum_ids[p["v"]]),
                )
                cur.fetchall()
                return 1
            if scenario == "profile":
                cur.execute(f"SELECT * FROM {e} WHERE tenant_id = %s AND id = %s", (tid, p["id"]))
                cur.fetchall()
                cur.execute(
                    f"SELECT a.slug, a.name, a.datatype, v.value_text, v.value_float, "
                    f"v.value_date, v.value_bool, ev.value FROM {v} v "
                    f"JOIN {bl.EAV_ATTRIBUTE} a ON a.id = v.attribute_id "
                    f"LEFT JOIN {bl.EAV_ENUM} ev ON ev.id = v.value_enum_id "
                    "WHERE v.entity_ct_id = %s AND v.attribute_id = ANY(%s) "
                    "AND v.entity_id = %s",
                    (bl.ENTITY_CT, self.all_attrs, p["id"]),
                )
                cur.fetchall()
                return 2
            if scenario == "eq":
                sql = f"SELECT {self.cols} FROM {e} e WHERE e.tenant_id = %s AND " + self._in(
                    EQ_TEXT_FIELD, "v.value_text = %s"
                )
                cur.execute(f"{sql} {page_order}", (tid, p["v"]))
            elif scenario in ("range asc", "range desc"):
                key = NUMBER_FIELD if scenario == "range asc" else DATE_FIELD
                column = "value_float" if scenario == "range asc" else "value_date"
                bounds = (
                    (f"v.{column} >= %s AND v.{column} <= %s", (float(p["lo"]), float(p["hi"])))
                    if scenario == "range asc"
                    else (f"v.{column} >= %s", (p["d"],))
                )
                direction = "ASC" if scenario == "range asc" else "DESC"
                cur.execute(
                    f"SELECT {self.cols}, v.{column} FROM {e} e JOIN {v} v ON v.entity_id = e.id "
                    f"WHERE e.tenant_id = %s AND v.entity_ct_id = {bl.ENTITY_CT} AND "
                    f"v.attribute_id = {self.attr[key]} AND {bounds[0]} "
                    f"ORDER BY v.{column} {direction} NULLS LAST, e.id DESC LIMIT 50",
                    (tid, *bounds[1]),
                )
            elif scenario == "and":
                sql = (
                    f"SELECT {self.cols} FROM {e} e WHERE e.tenant_id = %s AND "
                    + self._in(SELECT_FIELD, "v.value_enum_id = %s")
                    + " AND "
                    + self._in(DATE_FIELD, "v.value_date >= %s")
                )
                cur.execute(f"{sql} {page_order}", (tid, self.ctx.enum_ids[p["opt"]], p["d"]))
            else:
                raise ValueError(scenario)
            ids = [row[0] for row in cur.fetchall()]
            cur.execute(
                f"SELECT v.entity_id, a.slug, v.value_text, v.value_float, v.value_date, "
                f"v.value_bool, ev.value FROM {v} v "
                f"JOIN {bl.EAV_ATTRIBUTE} a ON a.id = v.attribute_id "
                f"LEFT JOIN {bl.EAV_ENUM} ev ON ev.id = v.value_enum_id "
                "WHERE v.entity_ct_id = %s AND v.attribute_id = ANY(%s) AND v.entity_id = ANY(%s)",
                (bl.ENTITY_CT, self.all_attrs, ids),
            )
            cur.fetchall()
            return 2
