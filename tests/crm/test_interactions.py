"""A call logged on a customer's lead (its last contact date set later) is one interaction of
the customer's; the same date again, an earlier one, or a lead with no customer count nothing."""

from datetime import UTC, datetime, timedelta

from crm.models import Customer
from crm.services.customers import customer_create
from crm.services.leads import lead_create, lead_update
from tenancy.actors import OPERATOR
from tests.factories import LeadFactory

CALLED = datetime(2025, 4, 1, 9, tzinfo=UTC)


def counted(customer):
    row = Customer.objects.get(pk=customer.pk)
    return row.total_interactions, row.last_contacted_at


def test_a_later_last_contact_date_is_a_logged_call(tenant_a, agent_a):
    ada = customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "Ada"})
    lead = LeadFactory(tenant=tenant_a, customer=ada, assigned_to=agent_a.user)
    lead_update(lead=lead, by=agent_a, data={"last_contact_date": CALLED})
    assert counted(ada) == (1, CALLED)
    lead_update(lead=lead, by=agent_a, data={"last_contact_date": CALLED})  # unchanged
    lead_update(lead=lead, by=agent_a, data={"last_contact_date": CALLED - timedelta(days=3)})
    assert counted(ada) == (1, CALLED)
    later = CALLED + timedelta(days=2)
    lead_update(lead=lead, by=agent_a, data={"last_contact_date": later})
    assert counted(ada) == (2, later)


def test_a_lead_created_with_a_contact_counts_and_a_future_one_counts_as_now(tenant_a, manager_a):
    ada = customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "Ada"})
    future = datetime.now(UTC) + timedelta(days=30)
    lead_create(
        tenant=tenant_a,
        by=manager_a,
        data={
            "first_name": "L",
            "email": "l@example.com",
            "customer": ada,
            "last_contact_date": future,
        },
    )
    count, contacted = counted(ada)
    assert count == 1 and contacted < future


def test_a_lead_without_a_customer_counts_nothing(tenant_a, manager_a):
    lead = LeadFactory(tenant=tenant_a)
    lead_update(lead=lead, by=manager_a, data={"last_contact_date": CALLED})
    assert not Customer.objects.filter(total_interactions__gt=0).exists()
