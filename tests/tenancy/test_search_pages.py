"""The global search (`/search/`): grouped results among what the member may see (an agent: their
leads and callbacks and the unassigned ones; everyone: the tenant's customers and campaigns),
never another tenant's; the drop-down for htmx as you type, the full page without JavaScript."""

import pytest
from django.urls import reverse

from tests.callbacks.factories import CallbackRequestFactory
from tests.campaigns.factories import CampaignFactory
from tests.factories import CustomerFactory, LeadFactory


@pytest.fixture
def things(tenant_a, tenant_b, agent_a, agent_a2):
    LeadFactory(tenant=tenant_a, first_name="Orla", last_name="Mine", assigned_to=agent_a.user)
    LeadFactory(tenant=tenant_a, first_name="Orla", last_name="Pool")
    LeadFactory(tenant=tenant_a, first_name="Orla", last_name="Theirs", assigned_to=agent_a2.user)
    LeadFactory(
        tenant=tenant_a, first_name="Orla", last_name="Gone", archived_at="2026-01-01T00:00Z"
    )
    LeadFactory(tenant=tenant_b, first_name="Orla", last_name="Beta")
    CustomerFactory(tenant=tenant_a, first_name="Orla", last_name="Client", company="Acme Ltd")
    CustomerFactory(tenant=tenant_b, first_name="Orla", last_name="Betaclient")
    CallbackRequestFactory(
        tenant=tenant_a,
        lead__first_name="Orla",
        lead__last_name="Caller",
        assigned_to=agent_a2.user,
    )
    CallbackRequestFactory(tenant=tenant_a, lead__first_name="Orla", lead__last_name="Poolcall")
    CampaignFactory(tenant=tenant_a, name="Orla spring push", budget=10)
    CampaignFactory(tenant=tenant_b, name="Orla beta push", budget=10)


def grouped(response) -> dict[str, list[str]]:
    return {g.key: [hit.label for hit in g.hits] for g in response.context["groups"]}


def test_an_agent_finds_what_their_lists_show_them(client, agent_a, things):
    client.force_login(agent_a.user)
    response = client.get(reverse("tenancy:search"), {"q": "orla"})
    assert response.status_code == 200
    found = grouped(response)
    # The callbacks' leads are unassigned: in the agent's pool.
    assert sorted(found["leads"]) == ["Orla Caller", "Orla Mine", "Orla Pool", "Orla Poolcall"]
    assert found["customers"] == ["Orla Client"]
    assert found["callbacks"] == ["Orla Poolcall"]  # not the other agent's
    assert found["campaigns"] == ["Orla spring push"]
    assert "Beta" not in response.content.decode()


def test_a_manager_finds_the_whole_tenants_and_no_other(client, manager_a, things):
    client.force_login(manager_a.user)
    found = grouped(client.get(reverse("tenancy:search"), {"q": "orla"}))
    assert sorted(found["leads"]) == [
        "Orla Caller",
        "Orla Mine",
        "Orla Pool",
        "Orla Poolcall",
        "Orla Theirs",
    ]
    assert sorted(found["callbacks"]) == ["Orla Caller", "Orla Poolcall"]
    assert not any("Beta" in label for labels in found.values() for label in labels)


def test_every_word_must_match_and_case_does_not_matter(client, manager_a, things):
    client.force_login(manager_a.user)
    found = grouped(client.get(reverse("tenancy:search"), {"q": "ORLA acme"}))
    assert found["customers"] == ["Orla Client"]
    assert found["leads"] == [] and found["campaigns"] == []


def test_as_you_type_htmx_gets_the_drop_down_with_links(client, agent_a, things):
    client.force_login(agent_a.user)
    response = client.get(reverse("tenancy:search"), {"q": "orla"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert response["Vary"] and "HX-Request" in response["Vary"]
    assert body.index("<h3>Customers</h3>") < body.index("<h3>Leads</h3>")
    assert body.index("<h3>Leads</h3>") < body.index("<h3>Callbacks</h3>")
    assert body.index("<h3>Callbacks</h3>") < body.index("<h3>Campaigns</h3>")
    assert 'href="/search/?q=orla">All results' in body
    short = client.get(reverse("tenancy:search"), {"q": "or"}, HTTP_HX_REQUEST="true")
    assert "Type at least 3 characters" in short.content.decode()
    assert (
        client.get(reverse("tenancy:search"), {"q": ""}, HTTP_HX_REQUEST="true").content.strip()
        == b""
    )


def test_without_javascript_the_full_page_lists_and_links_to_each_list(
    client, manager_a, tenant_a, things
):
    for n in range(21):
        LeadFactory(tenant=tenant_a, first_name="Orla", last_name=f"Many{n}")
    client.force_login(manager_a.user)
    response = client.get(reverse("tenancy:search"), {"q": "orla"})
    body = response.content.decode()
    assert "<h1>Search</h1>" in body and 'value="orla"' in body
    leads = next(g for g in response.context["groups"] if g.key == "leads")
    assert (len(leads.hits), leads.more) == (20, True)
    assert 'href="/leads/?search=orla">All matching leads' in body
    listed = client.get(leads.list_url).context["page_obj"].paginator.count
    assert listed == 21 + 5  # the lead list finds the same leads
    assert "No customers found" not in body


def test_the_box_is_in_the_navigation(client, agent_a):
    client.force_login(agent_a.user)
    body = client.get(reverse("crm:lead-list")).content.decode()
    assert 'id="global-search"' in body and 'hx-get="/search/"' in body
    assert 'action="/search/"' in body  # Enter submits to the full page without JavaScript
