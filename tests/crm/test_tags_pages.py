"""The tag manager at /tags/: the list with colours, counts and links, create and edit with every
error at once, merge and delete each after a page saying how many, agents reading only, and the
chips in tag colours where customers and leads show their tags (the two-tenant walk:
tests/tenancy/test_page_walk.py)."""

import pytest
from django.urls import reverse

from crm.models import CustomerTag, CustomerTagChange, Tag
from crm.services.leads import lead_create
from crm.services.tags import tag_update
from tenancy.actors import OPERATOR
from tests.crm.customers import customer
from tests.factories import LeadFactory


@pytest.fixture
def tags(tenant_a, tenant_b):
    ada = customer(tenant_a, "Ada", tags=["vip", "gold"])
    customer(tenant_a, "Ben", tags=["vip"])
    source = LeadFactory(tenant=tenant_a).source
    lead_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "Lee", "email": "lee@a.example", "source": source},
        tags=["vip"],
    )
    customer(tenant_b, "Zed", tags=["vip", "theirs"])
    found = {t.name: t for t in Tag.objects.for_tenant(tenant_a)}
    tag_update(tag=found["vip"], by=OPERATOR, data={"color": "#b45309", "description": "Best"})
    return {**found, "ada": ada}


def test_the_list_shows_colours_counts_and_links(login, manager_a, tags):
    response = login(manager_a).get(reverse("crm:tag-list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "--tag-colour: #b45309" in body and "Best" in body
    assert "theirs" not in body
    vip = next(t for t in response.context["tags"] if t.name == "vip")
    assert (vip.customer_count, vip.lead_count) == (2, 1)
    assert f"{reverse('crm:customer-list')}?tags=vip" in body
    assert f"{reverse('crm:lead-list')}?tags=vip" in body
    assert reverse("crm:tag-delete", args=[vip.pk]) in body
    searched = login(manager_a).get(reverse("crm:tag-list"), {"q": "GOL"})
    assert [t.name for t in searched.context["tags"]] == ["gold"]


def test_the_nav_links_to_tags(login, agent_a, tags):
    body = login(agent_a).get(reverse("crm:tag-list")).content.decode()
    assert f'href="{reverse("crm:tag-list")}" aria-current="page">Tags<' in body


def test_agents_see_tags_but_no_management(login, agent_a, tags):
    client = login(agent_a)
    body = client.get(reverse("crm:tag-list")).content.decode()
    assert "vip" in body and reverse("crm:tag-delete", args=[tags["vip"].pk]) not in body
    for name in ("crm:tag-edit", "crm:tag-merge", "crm:tag-delete"):
        url = reverse(name, args=[tags["vip"].pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "x", "into": tags["gold"].pk}).status_code == 403
    assert client.post(reverse("crm:tag-create"), {"name": "new"}).status_code == 403
    assert Tag.objects.filter(pk=tags["vip"].pk, name="vip").exists()


def test_create_shows_every_error_at_once_then_creates(login, manager_a, tenant_a, tags):
    client = login(manager_a)
    refused = client.post(
        reverse("crm:tag-create"), {"name": "VIP", "color": "red", "description": ""}
    )
    assert refused.status_code == 200
    assert set(refused.context["form"].errors) == {"name", "color"}
    assert "nothing was saved" in refused.content.decode()
    made = client.post(
        reverse("crm:tag-create"), {"name": "Hot", "color": "#ff0000", "description": "x"}
    )
    assert made.status_code == 302
    assert Tag.objects.get(tenant=tenant_a, name="hot").color == "#ff0000"


def test_a_rename_points_to_merge_when_the_name_is_taken(login, manager_a, tags):
    client = login(manager_a)
    url = reverse("crm:tag-edit", args=[tags["vip"].pk])
    data = {"name": "gold", "color": "#b45309", "description": ""}
    assert "merge this tag into it" in client.post(url, data).content.decode()
    done = client.post(url, {**data, "name": "VERY-important"}, follow=True)
    assert "renamed to “very-important” on 2 customer(s) and 1 lead(s)" in done.content.decode()
    ada = client.get(reverse("crm:customer-detail", args=[tags["ada"].pk])).content.decode()
    assert "very-important" in ada


def test_delete_asks_with_counts_then_removes_from_all(login, manager_a, tags):
    client = login(manager_a)
    url = reverse("crm:tag-delete", args=[tags["vip"].pk])
    body = client.get(url).content.decode()
    assert "Delete tag vip?" in body
    assert "It is removed from 2 customers and 1 lead." in body
    assert Tag.objects.filter(pk=tags["vip"].pk).exists()
    assert client.post(url).status_code == 302
    assert not Tag.objects.filter(pk=tags["vip"].pk).exists()
    assert CustomerTagChange.objects.filter(tag_name="vip", added=False).count() == 2


def test_merge_asks_which_tag_to_keep_then_merges(login, manager_a, tenant_b, tags):
    client = login(manager_a)
    url = reverse("crm:tag-merge", args=[tags["vip"].pk])
    asked = client.get(url)
    body = asked.content.decode()
    assert "2 customers" in body and "1 lead" in body
    assert list(asked.context["form"].fields["into"].queryset) == [tags["gold"]]
    theirs = Tag.objects.get(tenant=tenant_b, name="theirs")
    refused = client.post(url, {"into": theirs.pk})
    assert "Choose one of the tags listed." in refused.content.decode()
    assert client.post(url, {}).context["form"].errors["into"]
    assert client.post(url, {"into": tags["gold"].pk}).status_code == 302
    assert CustomerTag.objects.filter(tag=tags["gold"]).count() == 2
    assert not Tag.objects.filter(pk=tags["vip"].pk).exists()
    assert CustomerTag.objects.filter(tag=theirs).count() == 1


def test_customers_and_leads_show_tags_in_their_colours(login, manager_a, tags):
    client = login(manager_a)
    listed = client.get(reverse("crm:customer-list")).content.decode()
    assert "--tag-colour: #b45309" in listed
    profile = client.get(reverse("crm:customer-detail", args=[tags["ada"].pk])).content.decode()
    assert "--tag-colour: #b45309" in profile
    leads = client.get(reverse("crm:lead-list")).content.decode()
    assert "--tag-colour: #b45309" in leads
