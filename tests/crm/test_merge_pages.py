"""The duplicates list, the side-by-side merge page (compare, confirm, merge), the duplicate
warning after creating a customer and the profile's "possible duplicates" notice."""

import pytest
from django.urls import reverse

from crm.models import Customer
from crm.services.customers import customer_create
from crm.services.notes import note_create
from customfields.services.values import active_definitions, read_values
from tenancy.actors import OPERATOR
from tests.crm.customers import define, new_customer

pytestmark = pytest.mark.django_db


def person(tenant, first, last="Lee", custom=None, **data):
    return customer_create(
        tenant=tenant,
        by=OPERATOR,
        data={"first_name": first, "last_name": last, **data},
        custom_fields=custom or {},
    )


@pytest.fixture
def pair(tenant_a):
    define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold", "Silver"])
    keep = person(tenant_a, "Ann", email="ann@x.example", custom={"tier": "Gold"})
    dup = person(
        tenant_a, "Anne", email="ANN@x.example", phone="+4411112222", custom={"tier": "Silver"}
    )
    note_create(tenant=tenant_a, by=OPERATOR, data={"customer": dup, "note": "Moves"})
    return keep, dup


def merge_url(keep, *others):
    return (
        reverse("crm:customer-merge", args=[keep.pk])
        + "?"
        + "&".join(f"with={o.pk}" for o in others)
    )


def test_the_duplicates_list(login, manager_a, agent_a, tenant_b, pair):
    keep, dup = pair
    person(tenant_b, "Ann", email="ann@x.example")
    person(tenant_b, "Ann", email="ann@x.example")
    page = login(manager_a).get(reverse("crm:customer-duplicates")).content.decode()
    assert "Same email" in page and "Compare and merge" in page
    assert merge_url(keep, dup).replace("&", "&amp;") in page or merge_url(keep, dup) in page
    assert page.count("<tr>") == 2  # the header and our one group: tenant B's are not here
    page = login(agent_a).get(reverse("crm:customer-duplicates") + "?reason=phone").content
    assert b"Compare and merge" not in page and b"No likely duplicates" in page


def test_compare_confirm_and_merge(login, manager_a, tenant_a, pair):
    keep, dup = pair
    client = login(manager_a)
    page = client.get(merge_url(keep, dup)).content.decode()
    assert "Which value wins" in page
    assert "1 note" in page and "will move" in page
    assert "Membership tier" in page and "Silver" in page
    # The kept one's value is checked by default; the phone (empty on the kept one) the
    # duplicate's.
    assert f'name="value:custom.tier" value="{keep.pk}" checked' in page
    assert f'name="value:phone" value="{dup.pk}" checked' in page
    form = {"with": [dup.pk], "value:custom.tier": dup.pk, "value:first_name": keep.pk}
    confirm = client.post(reverse("crm:customer-merge", args=[keep.pk]), form)
    assert confirm.status_code == 200
    assert "Merge 1 customer into Ann Lee? This cannot be undone." in confirm.content.decode()
    assert Customer.objects.filter(pk=dup.pk).exists()
    done = client.post(reverse("crm:customer-merge", args=[keep.pk]), {**form, "confirmed": "on"})
    assert done.status_code == 302 and done.url == keep.get_absolute_url()
    assert not Customer.objects.filter(pk=dup.pk).exists()
    keep.refresh_from_db()
    assert read_values(keep, active_definitions(tenant_a).values()) == {"tier": "Silver"}
    assert keep.phone == "+4411112222" and keep.first_name == "Ann"
    profile = client.get(keep.get_absolute_url(), follow=True).content.decode()
    assert f"Merged Anne Lee (#{dup.pk}) into Ann Lee." in profile
    timeline = client.get(keep.get_absolute_url() + "?tab=activity").content.decode()
    assert f"Merged Anne Lee (#{dup.pk}) into this customer" in timeline
    assert client.get(dup.get_absolute_url()).status_code == 404


def test_agents_may_not_open_the_merge_page(login, agent_a, pair):
    keep, dup = pair
    client = login(agent_a)
    assert client.get(merge_url(keep, dup)).status_code == 403
    form = {"with": [dup.pk], "confirmed": "on"}
    assert client.post(reverse("crm:customer-merge", args=[keep.pk]), form).status_code == 403
    assert Customer.objects.filter(pk=dup.pk).exists()


def test_other_tenants_and_bad_ids(login, manager_a, tenant_b, pair):
    keep, dup = pair
    theirs = person(tenant_b, "Ann")
    client = login(manager_a)
    assert client.get(merge_url(theirs, dup)).status_code == 404
    refused = client.get(merge_url(keep, theirs))
    assert refused.status_code == 400
    assert f"Unknown customers: {theirs.pk}." in refused.content.decode()
    bad = client.get(reverse("crm:customer-merge", args=[keep.pk]) + "?with=x%00")
    assert bad.status_code == 400
    assert client.get(reverse("crm:customer-merge", args=[keep.pk])).status_code == 400
    form = {"with": [theirs.pk], "confirmed": "on"}
    assert client.post(reverse("crm:customer-merge", args=[keep.pk]), form).status_code == 400
    assert Customer.objects.filter(pk=theirs.pk).exists()


def test_the_warning_after_creating_and_the_profile_notice(login, manager_a, agent_a, pair):
    keep, dup = pair
    client = login(agent_a)
    response = client.post(
        reverse("crm:customer-create"),
        new_customer(first_name="Zed", last_name="Lee", email=" Ann@X.example ", tier="Gold"),
        follow=True,
    )
    page = response.content.decode()
    assert f"This looks like Ann Lee (#{keep.pk}): same email." in page
    assert 'id="possible-duplicates"' in page
    assert "Compare and merge" not in page  # agents do not merge
    new = Customer.objects.get(first_name="Zed")
    profile = login(manager_a).get(new.get_absolute_url()).content.decode()
    assert "Compare and merge" in profile
    assert f"{reverse('crm:customer-merge', args=[keep.pk])}?with={new.pk}" in profile
