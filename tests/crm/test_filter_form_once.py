"""The lead and customer filter sets build their form class once; every form still chooses
among its own request's tenant's sources, members and segments, never another's."""

import pytest
from django.test import RequestFactory

from crm.filters import CustomerFilterSet, LeadFilterSet
from crm.models import Customer, Lead, LeadSource, Segment
from tests.factories import make_member


def request_for(tenant):
    request = RequestFactory().get("/")
    request.tenant = tenant
    return request


def leads(tenant, data):
    return LeadFilterSet(
        data, queryset=Lead.objects.filter(tenant=tenant), request=request_for(tenant)
    )


@pytest.mark.django_db
def test_one_form_class_with_each_requests_tenants_choices(tenant_a, tenant_b, agent_a):
    agent_b = make_member(tenant_b, "beta-agent")
    first, second = leads(tenant_a, {}), leads(tenant_b, {})
    assert first.get_form_class() is second.get_form_class()
    for filterset, tenant, member, foreign in (
        (first, tenant_a, agent_a, agent_b),
        (second, tenant_b, agent_b, agent_a),
    ):
        fields = filterset.form.fields
        assert set(fields["source"].queryset) == set(LeadSource.objects.for_tenant(tenant).live())
        members = set(fields["assigned_to"].queryset)
        assert member.user in members and foreign.user not in members
        options = [str(value) for value, _ in fields["assigned_to"].widget.choices]
        assert str(member.user.pk) in options and str(foreign.user.pk) not in options
    # The class itself holds no tenant's rows.
    assert not LeadFilterSet.get_form_class(first).base_fields["source"].queryset.exists()


@pytest.mark.django_db
def test_another_tenants_member_or_segment_does_not_validate(tenant_a, tenant_b, agent_a):
    assert leads(tenant_a, {}).form  # the class is built by a request of tenant A first
    assert leads(tenant_a, {"assigned_to": agent_a.user.pk}).is_valid()
    foreign = leads(tenant_b, {"assigned_to": agent_a.user.pk})
    assert not foreign.is_valid() and "assigned_to" in foreign.errors
    segment = Segment.objects.create(tenant=tenant_a, name="Mine", conditions={})
    for tenant, valid in ((tenant_b, False), (tenant_a, True), (tenant_b, False)):
        customers = CustomerFilterSet(
            {"segment": segment.pk},
            queryset=Customer.objects.filter(tenant=tenant),
            request=request_for(tenant),
        )
        assert customers.is_valid() is valid
        assert ("segment" in customers.errors) is not valid
