"""The trigger matcher writes each condition's CASE out as SQL once a batch
(conditions._flags). Whatever the condition, it must agree with the ORM's own reading of the
same condition (Customer.objects.filter(q)), and with the ORM path it falls back to when a
condition would need a join."""

import pytest

from campaigns.automation import conditions
from campaigns.automation.conditions import TriggerCompiler, matching_events
from crm.models import Customer
from crm.services.notes import note_create
from tenancy.actors import OPERATOR

pytestmark = pytest.mark.django_db

CONDITIONS = [
    {},
    {"field": "tags", "op": "has", "value": "vip"},
    {"field": "tags", "op": "has_none", "value": ["vip", "lapsed"]},
    {"field": "custom.loyalty_points", "op": "gte", "value": 100},
    {"field": "custom.loyalty_points", "op": "in", "value": [5, 7]},
    {"field": "first_name", "op": "startswith", "value": "a"},
    {"field": "email", "op": "is_empty"},
    {"field": "created_at", "op": "within_last_days", "value": 3},
    {"field": "activity.note_added", "op": "within_last_days", "value": 30},
    {"not": {"field": "phone", "op": "is_set"}},
    {
        "any": [
            {
                "all": [
                    {"field": "event.amount", "op": "gte", "value": 50},
                    {"field": "tags", "op": "has", "value": "vip"},
                ]
            },
            {"field": "crm_score", "op": "lt", "value": 10},
        ]
    },
]


def oracle(tenant, condition, customer, data):
    compiler = TriggerCompiler(tenant)
    compiler.compile_one(condition)
    outcomes = [
        conditions._judge(conditions._lookup(data, k), op, v) for k, op, v in compiler.event_rules
    ]
    compiler = TriggerCompiler(tenant, outcomes=outcomes)
    q = compiler.compile_one(condition)[0]
    return Customer.objects.for_tenant(tenant).filter(q, pk=customer.pk).exists()


@pytest.mark.parametrize("path", ["sql", "orm"])
def test_each_condition_agrees_with_the_orms_reading(tenant_a, customers, monkeypatch, path):
    ada, bob, cy, dee = customers
    note_create(tenant=tenant_a, by=OPERATOR, data={"customer": ada, "note": "Called"})
    if path == "orm":  # as if every condition needed a join
        monkeypatch.setattr(conditions, "_case_sql", lambda q: None)
    events = [(c.pk, {"amount": amount}) for c in customers for amount in (10, 80)]
    compiler = TriggerCompiler(tenant_a)
    got = matching_events([(c, events) for c in CONDITIONS], tenant=tenant_a, compiler=compiler)
    by_pk = {c.pk: c for c in customers}
    for condition, matched in zip(CONDITIONS, got, strict=True):
        expected = {
            index
            for index, (pk, data) in enumerate(events)
            if oracle(tenant_a, condition, by_pk[pk], data)
        }
        assert matched == expected, condition
    if path == "sql":
        assert compiler.sql and all(part is not None for part in compiler.sql.values())
    # Something matched and something did not, so the comparison says something.
    assert any(got) and not all(len(m) == len(events) for m in got)
