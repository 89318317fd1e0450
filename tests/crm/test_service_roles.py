"""crm's write services check their actor themselves, whichever way in calls them: a member of
another tenant, an inactive member, an agent on another agent's lead and an agent assigning
leads are refused with PermissionDenied and nothing is written; the operator may do anything.
Customers are deleted through customer_delete by the API and the admin alike."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from crm.models import Customer, CustomerTag, Lead, LeadActivity, LeadStatus, Tag
from crm.services.customers import (
    customer_capture_field,
    customer_create,
    customer_delete,
    customer_update,
    lead_convert,
)
from crm.services.leads import (
    lead_add_note,
    lead_archive,
    lead_assign,
    lead_bulk_status,
    lead_create,
    lead_log_activity,
    lead_restore,
    lead_update,
)
from customfields.models import FieldHistory
from customfields.services.definitions import definition_create
from tenancy.actors import OPERATOR
from tenancy.models import Role
from tests.factories import LeadFactory, make_member


@pytest.fixture
def leads(tenant_a, agent_a, agent_a2):
    """An agent's own lead, an unassigned one, another agent's, and an archived one of the
    other agent's."""
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
    definition_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"field_key": "nickname", "field_label": "Nickname", "field_type": "text"},
    )
    return customer_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "Ada", "email": "ada@alpha.example"},
        tags=["vip"],
    )


@pytest.fixture
def inactive_a(tenant_a):
    membership = make_member(tenant_a, "alpha-gone", Role.ADMIN)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    return membership


def written(tenant) -> tuple:
    """Everything a crm write service may change, for "nothing was written"."""
    return (
        list(
            Lead.objects.for_tenant(tenant)
            .order_by("pk")
            .values_list("pk", "first_name", "status", "assigned_to", "archived_at", "customer")
        ),
        list(
            Customer.objects.for_tenant(tenant)
            .order_by("pk")
            .values_list("pk", "first_name", "custom_fields_extra", "updated_at")
        ),
        LeadActivity.objects.for_tenant(tenant).count(),
        CustomerTag.objects.for_tenant(tenant).count(),
        Tag.objects.for_tenant(tenant).count(),
        FieldHistory.objects.for_tenant(tenant).count(),
    )


def refused(tenant, write) -> None:
    before = written(tenant)
    with pytest.raises(PermissionDenied):
        write()
    assert written(tenant) == before


# ---------------------------------------------------------------------------------------------
# Leads


def lead_writes(lead, by):
    """Each write on one lead, as a callable."""
    return {
        "update": lambda: lead_update(lead=lead, by=by, data={"first_name": "X"}, tags=["t"]),
        "archive": lambda: lead_archive(lead=lead, by=by),
        "restore": lambda: lead_restore(lead=lead, by=by),
        "note": lambda: lead_add_note(lead=lead, by=by, note="hello"),
        "convert": lambda: lead_convert(lead=lead, by=by),
    }


@pytest.mark.parametrize("write", ["update", "archive", "note", "convert"])
def test_an_agent_may_not_write_another_agents_lead(write, leads, agent_a, tenant_a):
    refused(tenant_a, lead_writes(leads["theirs"], agent_a)[write])


def test_an_agent_may_not_restore_another_agents_lead(leads, agent_a, tenant_a):
    refused(tenant_a, lead_writes(leads["archived"], agent_a)["restore"])


@pytest.mark.parametrize("write", ["update", "archive", "note", "convert"])
def test_another_tenants_admin_may_not_write_a_lead(write, leads, admin_b, tenant_a):
    refused(tenant_a, lead_writes(leads["open"], admin_b)[write])
    refused(tenant_a, lead_writes(leads["theirs"], admin_b)[write])


@pytest.mark.parametrize("write", ["update", "archive", "note", "convert"])
def test_an_inactive_member_may_not_write_a_lead(write, leads, inactive_a, tenant_a):
    refused(tenant_a, lead_writes(leads["open"], inactive_a)[write])


def test_restore_is_refused_to_other_tenants_and_inactive_members(
    leads, admin_b, inactive_a, tenant_a
):
    refused(tenant_a, lead_writes(leads["archived"], admin_b)["restore"])
    refused(tenant_a, lead_writes(leads["archived"], inactive_a)["restore"])


def test_lead_create_is_refused_outside_the_tenant(tenant_a, admin_b, inactive_a):
    for by in (admin_b, inactive_a):
        refused(
            tenant_a,
            lambda by=by: lead_create(
                tenant=tenant_a,
                by=by,
                data={"first_name": "Eve", "email": "eve@x.example"},
                tags=["x"],
            ),
        )


def test_bulk_status_is_refused_outside_the_tenant(leads, tenant_a, admin_b, inactive_a):
    ids = [leads["open"].pk, leads["theirs"].pk]
    for by in (admin_b, inactive_a):
        refused(
            tenant_a,
            lambda by=by: lead_bulk_status(
                tenant=tenant_a, by=by, lead_ids=ids, status=LeadStatus.LOST
            ),
        )


def test_assigning_is_for_managers_and_admins_of_the_tenant(
    leads, tenant_a, agent_a, admin_b, inactive_a
):
    ids = [leads["open"].pk]
    for by in (agent_a, admin_b, inactive_a):
        refused(
            tenant_a,
            lambda by=by: lead_assign(
                tenant=tenant_a, by=by, lead_ids=ids, agent_id=agent_a.user_id
            ),
        )


def test_agents_write_their_own_and_unassigned_leads(leads, agent_a):
    for lead in (leads["mine"], leads["open"]):
        lead_update(lead=lead, by=agent_a, data={"status": LeadStatus.CONTACTED})
        lead_add_note(lead=lead, by=agent_a, note="called")
        lead_archive(lead=lead, by=agent_a)
        lead_restore(lead=lead, by=agent_a)
    customer = lead_convert(lead=leads["mine"], by=agent_a)
    assert customer.created_by == agent_a.user


def test_managers_write_every_lead_of_their_tenant(leads, manager_a, agent_a):
    lead_update(lead=leads["theirs"], by=manager_a, data={"first_name": "Changed"})
    lead_restore(lead=leads["archived"], by=manager_a)
    lead_assign(
        tenant=manager_a.tenant,
        by=manager_a,
        lead_ids=[leads["theirs"].pk],
        agent_id=agent_a.user_id,
    )
    assert Lead.objects.get(pk=leads["theirs"].pk).assigned_to == agent_a.user


def test_the_operator_writes_any_lead_and_is_recorded_as_no_user(leads, tenant_a, agent_a):
    lead = lead_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Op", "email": "op@alpha.example"}
    )
    assert lead.created_by is None
    lead_update(lead=leads["theirs"], by=OPERATOR, data={"first_name": "Changed"})
    lead_bulk_status(
        tenant=tenant_a, by=OPERATOR, lead_ids=[leads["theirs"].pk], status=LeadStatus.LOST
    )
    lead_assign(
        tenant=tenant_a, by=OPERATOR, lead_ids=[leads["theirs"].pk], agent_id=agent_a.user_id
    )
    note = lead_add_note(lead=leads["theirs"], by=OPERATOR, note="from the command line")
    assert note.actor is None
    assert set(leads["theirs"].activities.values_list("actor", flat=True)) == {None}


def test_lead_log_activity_records_its_actor_without_a_role_check(leads, agent_a):
    """A helper other apps' services call after their own checks: it refuses no one."""
    entry = lead_log_activity(leads["theirs"], by=agent_a, kind="updated", message="m")
    assert entry.actor == agent_a.user
    entry = lead_log_activity(leads["theirs"], by=OPERATOR, kind="updated", message="m")
    assert entry.actor is None


# ---------------------------------------------------------------------------------------------
# Customers


def customer_writes(customer, by):
    return {
        "update": lambda: customer_update(
            customer=customer, by=by, data={"first_name": "X"}, tags=["new"]
        ),
        "capture": lambda: customer_capture_field(
            customer=customer, by=by, field_key="nickname", text="Countess"
        ),
        "custom": lambda: customer_update(
            customer=customer, by=by, data={}, custom_fields={"nickname": "Countess"}
        ),
        "delete": lambda: customer_delete(customer=customer, by=by),
    }


@pytest.mark.parametrize("write", ["update", "capture", "custom", "delete"])
def test_another_tenants_admin_may_not_write_a_customer(write, ada, admin_b, tenant_a):
    refused(tenant_a, customer_writes(ada, admin_b)[write])


@pytest.mark.parametrize("write", ["update", "capture", "custom", "delete"])
def test_an_inactive_member_may_not_write_a_customer(write, ada, inactive_a, tenant_a):
    refused(tenant_a, customer_writes(ada, inactive_a)[write])


def test_customer_create_is_refused_outside_the_tenant(tenant_a, admin_b, inactive_a):
    for by in (admin_b, inactive_a):
        refused(
            tenant_a,
            lambda by=by: customer_create(
                tenant=tenant_a,
                by=by,
                data={"first_name": "Eve", "email": "eve@x.example"},
                tags=["x"],
            ),
        )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.AGENT])
def test_every_member_works_customers(role, ada, tenant_a):
    member = make_member(tenant_a, f"alpha-{role}-worker", role)
    customer_update(customer=ada, by=member, data={"first_name": "Ada L."})
    customer_capture_field(customer=ada, by=member, field_key="nickname", text="Countess")
    assert {h.changed_by for h in FieldHistory.objects.filter(customer=ada)} == {member.user}
    customer_delete(customer=ada, by=member)
    assert not Customer.objects.filter(pk=ada.pk).exists()


def test_deleting_a_customer_keeps_its_leads_unlinked(ada, tenant_a, agent_a):
    lead = LeadFactory(tenant=tenant_a, customer=ada)
    customer_delete(customer=ada, by=agent_a)
    lead.refresh_from_db()
    assert lead.customer is None
    assert not CustomerTag.objects.filter(customer_id=ada.pk).exists()


@pytest.fixture
def delete_calls(monkeypatch):
    """(customer pk, actor) of each call of customer_delete, which still deletes."""
    from crm.services import customers

    calls = []
    real = customers.customer_delete

    def spy(*, customer, by):
        calls.append((customer.pk, by))
        return real(customer=customer, by=by)

    monkeypatch.setattr(customers, "customer_delete", spy)
    return calls


def test_the_api_deletes_a_customer_through_the_service(api, ada, agent_a, delete_calls):
    response = api(agent_a).delete(f"/api/v1/customers/{ada.pk}/")
    assert response.status_code == 204
    assert delete_calls == [(ada.pk, agent_a)]
    assert not Customer.objects.filter(pk=ada.pk).exists()


def test_the_api_refuses_another_tenants_customer_with_a_404(api, ada, admin_b):
    assert api(admin_b).delete(f"/api/v1/customers/{ada.pk}/").status_code == 404
    assert Customer.objects.filter(pk=ada.pk).exists()


def test_the_admin_deletes_customers_through_the_service(
    client, ada, admin_a, tenant_a, delete_calls
):
    other = customer_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Bob", "email": "bob@alpha.example"}
    )
    client.force_login(admin_a.user)
    response = client.post(reverse("admin:crm_customer_delete", args=[ada.pk]), {"post": "yes"})
    assert response.status_code == 302
    response = client.post(
        reverse("admin:crm_customer_changelist"),
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert [pk for pk, _ in delete_calls] == [ada.pk, other.pk]
    assert all(by.user == admin_a.user for _, by in delete_calls)
    assert not Customer.objects.filter(pk__in=[ada.pk, other.pk]).exists()


def test_the_admin_archives_leads_as_the_acting_admin(client, leads, admin_a):
    client.force_login(admin_a.user)
    lead = leads["theirs"]
    response = client.post(reverse("admin:crm_lead_delete", args=[lead.pk]), {"post": "yes"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.is_archived
    assert lead.activities.get(kind="archived").actor == admin_a.user
