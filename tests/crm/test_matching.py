"""crm.selectors.matching answers, for many conditions at once, what filtering by each would."""

import random

import pytest

from crm.conditions import compile_condition
from crm.models import Customer
from crm.selectors.matching import matching
from crm.services.tags import set_customer_tags
from tenancy.actors import OPERATOR
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CONDITIONS = {
    "everyone": {},
    "score": {"field": "crm_score", "op": "gte", "value": 50},
    "not_score": {"not": {"field": "crm_score", "op": "gte", "value": 50}},
    "no_email": {"field": "email", "op": "is_empty"},
    "not_company": {"field": "company", "op": "ne", "value": "Acme"},
    "vip": {"field": "tags", "op": "has", "value": "vip"},
    "none": {"field": "tags", "op": "has_none", "value": ["vip", "cold"]},
    "mixed": {
        "any": [
            {
                "all": [
                    {"field": "tags", "op": "has", "value": "cold"},
                    {"field": "crm_score", "op": "lt", "value": 30},
                ]
            },
            {"field": "company", "op": "startswith", "value": "glo"},
        ]
    },
}


def test_matching_equals_filtering_each_condition(tenant_a, tenant_b):
    rng = random.Random(14)
    customers = []
    for i in range(40):
        customer = CustomerFactory(
            tenant=tenant_a,
            crm_score=rng.choice([0, 10, 49, 50, 90]),
            email=rng.choice(["", f"c{i}@example.com"]),
            company=rng.choice(["", "Acme", "Globex", "Initech"]),
        )
        set_customer_tags(
            customer=customer,
            by=OPERATOR,
            names=rng.sample(["vip", "cold", "new"], rng.randint(0, 2)),
        )
        customers.append(customer)
    other = CustomerFactory(tenant=tenant_b, crm_score=90)
    compiled = {key: compile_condition(c, tenant=tenant_a) for key, c in CONDITIONS.items()}
    ids = [c.pk for c in customers] + [other.pk]

    found = matching(tenant=tenant_a, conditions=compiled, customer_ids=ids)

    for key, q in compiled.items():
        expected = set(Customer.objects.for_tenant(tenant_a).filter(q).values_list("pk", flat=True))
        assert found[key] == expected, key
    assert other.pk not in set().union(*found.values())


def test_matching_with_nothing_to_do(tenant_a):
    assert matching(
        tenant=tenant_a, conditions={"a": compile_condition({}, tenant=tenant_a)}, customer_ids=[]
    ) == {"a": set()}
