"""The access selectors give one 404 for every lead or customer the member may not have: a
missing one, another tenant's, another agent's lead, and a key that is not a number or too big
for one; the API and the pages answer with that 404."""

import pytest
from django.http import Http404
from django.urls import reverse

from crm.models import Lead
from crm.selectors.customers import customer_for
from crm.selectors.leads import lead_for
from crm.services.customers import customer_create
from crm.services.leads import lead_archive
from tenancy.actors import OPERATOR
from tests.factories import LeadFactory


@pytest.fixture
def leads(tenant_a, agent_a, agent_a2):
    return {
        "mine": LeadFactory(tenant=tenant_a, first_name="Mine", assigned_to=agent_a.user),
        "open": LeadFactory(tenant=tenant_a, first_name="Open"),
        "theirs": LeadFactory(tenant=tenant_a, first_name="Theirs", assigned_to=agent_a2.user),
        "archived": lead_archive(
            lead=LeadFactory(tenant=tenant_a, first_name="Gone", assigned_to=agent_a2.user),
            by=OPERATOR,
        ),
    }


@pytest.fixture
def ada(tenant_a):
    return customer_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Ada", "email": "ada@alpha.example"}
    )


NOT_THERE = ["999999", "abc", "", "-1", "0", "1.5", "１", str(2**63), "9" * 40]


@pytest.mark.parametrize("pk", NOT_THERE)
def test_lead_for_gives_a_404_for_what_is_not_there(pk, tenant_a, agent_a, leads):
    with pytest.raises(Http404) as missing:
        lead_for(tenant=tenant_a, membership=agent_a, pk=pk)
    assert str(missing.value) == "No such lead."


def test_lead_for_gives_the_same_404_for_foreign_and_other_agents_leads(
    tenant_a, tenant_b, agent_a, manager_a, admin_b, leads
):
    foreign = LeadFactory(tenant=tenant_b)
    answers = []
    for membership, lead in (
        (agent_a, leads["theirs"]),
        (agent_a, leads["archived"]),
        (agent_a, foreign),
        (manager_a, foreign),
        (admin_b, leads["open"]),
    ):
        with pytest.raises(Http404) as missing:
            lead_for(tenant=membership.tenant, membership=membership, pk=lead.pk)
        answers.append(str(missing.value))
    assert set(answers) == {"No such lead."}
    assert lead_for(tenant=tenant_a, membership=agent_a, pk=str(leads["open"].pk)) == leads["open"]
    assert lead_for(tenant=tenant_a, membership=manager_a, pk=leads["theirs"].pk)


def test_lead_for_intersects_a_given_queryset_with_what_the_member_sees(tenant_a, agent_a, leads):
    every_lead = Lead.objects.all()
    with pytest.raises(Http404):
        lead_for(tenant=tenant_a, membership=agent_a, pk=leads["theirs"].pk, queryset=every_lead)
    live = Lead.objects.filter(archived_at__isnull=True)
    assert lead_for(tenant=tenant_a, membership=agent_a, pk=leads["mine"].pk, queryset=live)


@pytest.mark.parametrize("pk", NOT_THERE)
def test_customer_for_gives_a_404_for_what_is_not_there(pk, tenant_a, agent_a, ada):
    with pytest.raises(Http404) as missing:
        customer_for(tenant=tenant_a, membership=agent_a, pk=pk)
    assert str(missing.value) == "No such customer."


def test_customer_for_gives_the_same_404_for_another_tenants_customer(
    tenant_b, admin_b, agent_a, ada
):
    foreign = customer_create(
        tenant=tenant_b, by=OPERATOR, data={"first_name": "Bea", "email": "bea@beta.example"}
    )
    for membership, customer in ((agent_a, foreign), (admin_b, ada)):
        with pytest.raises(Http404) as missing:
            customer_for(tenant=membership.tenant, membership=membership, pk=customer.pk)
        assert str(missing.value) == "No such customer."
    assert customer_for(tenant=agent_a.tenant, membership=agent_a, pk=ada.pk) == ada


@pytest.mark.parametrize("pk", ["abc", str(2**63), "999999"])
def test_the_api_and_pages_answer_404_for_a_malformed_or_huge_pk(pk, api, login_page, agent_a):
    client = api(agent_a)
    assert client.get(f"/api/v1/leads/{pk}/").status_code == 404
    assert client.get(f"/api/v1/customers/{pk}/").status_code == 404
    if pk.isdigit():  # the pages' URLs take digits only
        page = login_page(agent_a)
        assert page.get(reverse("crm:lead-detail", args=[pk])).status_code == 404
        assert page.get(reverse("crm:customer-detail", args=[pk])).status_code == 404


@pytest.fixture
def login_page(client):
    def log_in(membership):
        client.force_login(membership.user)
        return client

    return log_in
