"""The lead and customer filter sets build their form class once; every form still chooses
among its own request's tenant's sources, members and segments, never another's."""

import pytest
from django.test import RequestFactory
from django.utils import timezone

from crm.filters import CustomerFilterSet, LeadFilterSet
from crm.models import Customer, Lead, LeadSource, Segment
from tests.factories import LeadFactory, make_member


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


# ---------------------------------------------------------------------------------------------
# A request naming no field of the filter set skips it (crm.filters.UnfilteredFirstBackend)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "filterset_class, model", [(LeadFilterSet, Lead), (CustomerFilterSet, Customer)]
)
def test_unfiltered_is_what_the_filter_set_gives_for_no_parameters(
    tenant_a, filterset_class, model
):
    queryset = model.objects.filter(tenant=tenant_a)
    full = filterset_class({}, queryset=queryset, request=request_for(tenant_a))
    assert str(filterset_class.unfiltered(queryset).query) == str(full.qs.query)


@pytest.mark.django_db
def test_which_parameters_the_filter_set_reads(tenant_a):
    assert leads(tenant_a, {}).form  # builds the class
    not_filters = {"page": "2", "page_size": "5", "ordering": "-lead_score", "count": "exact"}
    assert LeadFilterSet.reads_any(not_filters) is False
    for name, value in [
        ("status", "NEW"),
        ("status", ""),
        ("lead_score_min", "5"),
        ("created_after", "2026-01-01"),
        ("tags", "vip"),
        ("sub_source", "FACEBOOK"),
        ("search", "ada"),
        ("include_archived", "true"),
        ("is_hot_leads_only", "false"),
    ]:
        assert LeadFilterSet.reads_any({**not_filters, name: value}) is True, name


@pytest.mark.django_db
def test_the_api_skips_the_filter_set_only_without_its_parameters(
    api, manager_a, tenant_a, monkeypatch
):
    live = LeadFactory(tenant=tenant_a, first_name="Live")
    archived = LeadFactory(tenant=tenant_a, first_name="Gone", archived_at=timezone.now())
    client = api(manager_a)
    client.get("/api/v1/leads/", {"status": "NEW"})  # any request builds the form class
    built = []
    real_init = LeadFilterSet.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(LeadFilterSet, "__init__", counting_init)
    ids = [row["id"] for row in client.get("/api/v1/leads/", {"page": 1}).json()["results"]]
    assert ids == [live.pk] and not built  # archived leads still leave the list
    everything = client.get("/api/v1/leads/", {"include_archived": "true"}).json()["results"]
    assert {row["id"] for row in everything} == {live.pk, archived.pk} and len(built) == 1
