"""The customers changelist's "Merge selected customers…": the intermediate page (who, what
moves, which to keep), then the merge through the service; another tenant's customers cannot be
selected (the changelist is scoped, so their ids select nothing)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from crm.models import Customer, CustomerMerge, CustomerNote
from crm.services.notes import note_create
from tenancy.actors import OPERATOR
from tests.crm.customers import customer

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:crm_customer_changelist"


@pytest.fixture
def alpha(client, admin_a):
    client.force_login(admin_a.user)
    return client


def test_asks_which_to_keep_then_merges(alpha, tenant_a):
    ada, ada2 = customer(tenant_a, "Ada"), customer(tenant_a, "Ada")
    note_create(tenant=tenant_a, by=OPERATOR, data={"customer": ada2, "note": "Moves"})
    selected = {"action": "merge_selected", ACTION_CHECKBOX_NAME: [ada.pk, ada2.pk]}
    ask = alpha.post(reverse(CHANGELIST), selected)
    assert ask.status_code == 200
    body = ask.content.decode()
    assert "1 note" in body and "This cannot be undone." in body
    assert reverse("crm:customer-merge", args=[ada.pk]) + f"?with={ada2.pk}" in body
    assert Customer.objects.filter(pk=ada2.pk).exists()
    done = alpha.post(reverse(CHANGELIST), {**selected, "keep": ada2.pk, "apply": "Merge"})
    assert done.status_code == 302
    assert list(Customer.objects.filter(tenant=tenant_a).values_list("pk", flat=True)) == [ada2.pk]
    assert CustomerNote.objects.get().customer_id == ada2.pk
    assert CustomerMerge.objects.get().merged == [{"id": ada.pk, "name": "Ada Test"}]


def test_one_customer_or_another_tenants_is_refused(alpha, tenant_a, tenant_b):
    ada = customer(tenant_a, "Ada")
    theirs = customer(tenant_b, "Zed")
    response = alpha.post(
        reverse(CHANGELIST),
        {
            "action": "merge_selected",
            ACTION_CHECKBOX_NAME: [ada.pk, theirs.pk],
            "keep": ada.pk,
            "apply": "Merge",
        },
        follow=True,
    )
    assert "Select two or more customers of one tenant to merge." in response.content.decode()
    assert Customer.objects.filter(pk=theirs.pk).exists()
    assert not CustomerMerge.objects.exists()
