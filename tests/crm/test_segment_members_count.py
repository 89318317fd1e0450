"""The members of a segment count from the membership index while nothing else narrows them,
and by the query itself once something does — the same numbers either way."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Customer, SegmentMembership
from crm.selectors.segments import segment_customers
from crm.services.segments import segment_create
from tenancy.actors import OPERATOR
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_count_reads_the_memberships_alone_until_the_members_are_narrowed(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    for company in ("Acme", "Acme", "Acme", "Globex"):
        CustomerFactory(tenant=tenant_a, company=company)
    CustomerFactory(tenant=tenant_b, company="Acme")
    with django_capture_on_commit_callbacks(execute=True):
        segment = segment_create(
            tenant=tenant_a,
            by=OPERATOR,
            data={"name": "Acme", "conditions": {"field": "company", "op": "eq", "value": "Acme"}},
        )
    members = segment_customers(tenant=tenant_a, segment=segment).prefetch_related("tags")
    with CaptureQueriesContext(connection) as queries:
        assert members.count() == 3 == len(list(members))
    assert "crm_customer" not in queries.captured_queries[0]["sql"]
    first = members.first()
    narrowed = members.exclude(pk=first.pk)
    assert narrowed.count() == 2 == len(list(narrowed))
    assert members.filter(company="Globex").count() == 0
    assert members.all()[:2].count() == 2
    SegmentMembership.objects.filter(customer=first).delete()
    Customer.objects.filter(pk=first.pk).delete()
    assert segment_customers(tenant=tenant_a, segment=segment).count() == 2
