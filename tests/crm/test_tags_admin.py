"""Tags in the admin: counts and colours in the list, edits and deletes through the services,
the counted delete confirmation, and "Merge selected into…" with its confirmation page, scoped
to the admin's tenant (the generic walk: tests/tenancy/test_admin_walk.py)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from crm.models import CustomerTag, CustomerTagChange, Tag
from tests.crm.customers import customer

CHANGELIST = "admin:crm_tag_changelist"


@pytest.fixture
def alpha(client, admin_a):
    client.force_login(admin_a.user)
    return client


@pytest.fixture
def tags(tenant_a, tenant_b):
    customer(tenant_a, "Ada", tags=["vip", "gold"])
    customer(tenant_a, "Ben", tags=["vip", "silver"])
    customer(tenant_b, "Zed", tags=["vip", "theirs"])
    return {t.name: t for t in Tag.objects.for_tenant(tenant_a)}


def test_the_list_shows_counts_and_colours_of_own_tags_only(alpha, tags):
    response = alpha.get(reverse(CHANGELIST))
    body = response.content.decode()
    assert response.context["cl"].result_count == 3
    assert "theirs" not in body
    assert tags["vip"].color in body
    vip = next(t for t in response.context["cl"].result_list if t.name == "vip")
    assert (vip.customer_count, vip.lead_count) == (2, 0)


def test_a_rename_in_the_admin_goes_through_the_service(alpha, tags):
    url = reverse("admin:crm_tag_change", args=[tags["vip"].pk])
    response = alpha.post(url, {"name": "GOLD", "color": "#000000", "description": ""})
    assert "merge this tag into it" in response.content.decode()
    response = alpha.post(url, {"name": "Very-Important", "color": "#000000", "description": ""})
    assert response.status_code == 302
    assert Tag.objects.get(pk=tags["vip"].pk).name == "very-important"


def test_delete_says_how_many_and_records_each_removal(alpha, tags):
    url = reverse("admin:crm_tag_delete", args=[tags["vip"].pk])
    body = alpha.get(url).content.decode()
    assert "removed from 2 customer(s) and 0 lead(s)" in body
    assert alpha.post(url, {"post": "yes"}).status_code == 302
    assert not Tag.objects.filter(pk=tags["vip"].pk).exists()
    assert CustomerTagChange.objects.filter(tag_name="vip", added=False).count() == 2


def test_merge_selected_asks_first_then_merges(alpha, tags):
    selected = [tags["gold"].pk, tags["silver"].pk]
    ask = alpha.post(
        reverse(CHANGELIST), {"action": "merge_selected", ACTION_CHECKBOX_NAME: selected}
    )
    assert ask.status_code == 200
    body = ask.content.decode()
    assert "2 customer link(s) and 0 lead link(s)" in body
    choices = list(ask.context["form"].fields["into"].queryset)
    assert choices == [tags["vip"]]  # neither the selected tags nor another tenant's
    assert Tag.objects.filter(pk__in=selected).count() == 2  # nothing happened yet
    done = alpha.post(
        reverse(CHANGELIST),
        {
            "action": "merge_selected",
            ACTION_CHECKBOX_NAME: selected,
            "into": tags["vip"].pk,
            "apply": "Merge",
        },
    )
    assert done.status_code == 302
    assert not Tag.objects.filter(pk__in=selected).exists()
    assert CustomerTag.objects.filter(tag=tags["vip"]).count() == 2


def test_merging_into_another_tenants_tag_is_refused(alpha, tenant_b, tags):
    theirs = Tag.objects.get(tenant=tenant_b, name="vip")
    response = alpha.post(
        reverse(CHANGELIST),
        {
            "action": "merge_selected",
            ACTION_CHECKBOX_NAME: [tags["gold"].pk],
            "into": theirs.pk,
            "apply": "Merge",
        },
    )
    assert response.status_code == 200  # the page again, with the choice refused
    assert "into" in response.context["form"].errors
    assert Tag.objects.filter(pk=tags["gold"].pk).exists()
    assert CustomerTag.objects.filter(tag=theirs).count() == 1
