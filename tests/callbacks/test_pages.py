"""The callback pages: the queue and its tabs, claim next, the call log form, assignment, the
managers' SLA view and the form for new requests; what each role sees and may do."""

from datetime import timedelta

import pytest

from callbacks.models import CallbackRequest
from callbacks.services.assignment import callback_assign
from callbacks.services.status import callback_change_status
from tenancy.actors import OPERATOR

from .conftest import NOW, valuable_customer


@pytest.fixture
def signed_in(client, clock):
    def sign_in(membership):
        client.force_login(membership.user)
        return client

    return sign_in


def page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_queue_has_priority_tabs(signed_in, tenant_a, manager_a, agent_a, make_callback):
    # 10 + 336 hours waiting = 346, breached; normal: waiting lifts it one category at most.
    aged = make_callback(reason="support", now=NOW - timedelta(days=14))
    high = make_callback(customer=valuable_customer(tenant_a), reason="complaint")  # 75
    low = make_callback(reason="billing")  # 15
    html = page(signed_in(agent_a).get("/callbacks/"))
    for label in ("All (3)", "Urgent (0)", "High (1)", "Normal (1)", "Low (1)"):
        assert label in html
    assert html.index(f"/callbacks/{aged.pk}/") < html.index(f"/callbacks/{high.pk}/")
    assert html.index(f"/callbacks/{high.pk}/") < html.index(f"/callbacks/{low.pk}/")
    assert "Breached" in html
    assert "Claim next" in html and "Auto-assign waiting" not in html
    tab = page(signed_in(agent_a).get("/callbacks/", {"category": "high"}, HTTP_HX_REQUEST="true"))
    assert "<html" not in tab  # htmx gets the results only
    assert f"/callbacks/{high.pk}/" in tab and f"/callbacks/{low.pk}/" not in tab


def test_the_queue_shows_closed_callbacks_when_asked(signed_in, manager_a, make_callback):
    waiting = make_callback(reason="billing")
    done = make_callback(reason="complaint")
    callback_change_status(callback=done, by=manager_a, status="cancelled", note="dup", now=NOW)
    client = signed_in(manager_a)
    html = page(client.get("/callbacks/"))
    assert f"/callbacks/{waiting.pk}/" in html and f"/callbacks/{done.pk}/" not in html
    assert "All (1)" in html and "?include_closed=1" in html
    html = page(client.get("/callbacks/", {"include_closed": "1", "category": "high"}))
    assert "All (2)" in html and "No callbacks in this category." in html
    assert "?include_closed=1&amp;category=low" in html  # the tabs keep the switch
    html = page(client.get("/callbacks/", {"include_closed": "1"}))
    # The cancelled complaint (25) before the billing request (15), with its closing time.
    assert html.index(f"/callbacks/{done.pk}/") < html.index(f"/callbacks/{waiting.pk}/")
    assert "closed 2026-03-04 10:00" in html and "Open callbacks only" in html


def test_agents_see_their_own_and_the_pool(signed_in, manager_a, agent_a, agent_a2, make_callback):
    mine, pool, theirs = make_callback(), make_callback(), make_callback(notes="Not yours")
    callback_assign(callback=mine, by=manager_a, assignee_id=agent_a.user_id)
    callback_assign(callback=theirs, by=manager_a, assignee_id=agent_a2.user_id)
    client = signed_in(agent_a)
    html = page(client.get("/callbacks/"))
    assert f"/callbacks/{mine.pk}/" in html and f"/callbacks/{pool.pk}/" in html
    assert f"/callbacks/{theirs.pk}/" not in html
    assert client.get(f"/callbacks/{theirs.pk}/").status_code == 404
    assert (
        client.post(f"/callbacks/{theirs.pk}/status/", {"action": "cancelled"}).status_code == 404
    )


def test_another_tenants_callback_is_404(signed_in, admin_b, tenant_b, make_callback):
    callback = make_callback()
    assert signed_in(admin_b).get(f"/callbacks/{callback.pk}/").status_code == 404


def test_claim_next_then_no_answer_then_complete(signed_in, agent_a, make_callback):
    callback = make_callback(reason="complaint")
    client = signed_in(agent_a)
    response = client.post("/callbacks/claim/", follow=True)
    html = page(response)
    assert response.redirect_chain[-1][0] == f"/callbacks/{callback.pk}/"
    assert "Claimed: call Carla Client now." in html
    for button in ("No answer", "Complete", "Failed", "Cancel callback"):
        assert f">{button}</button>" in html

    html = page(
        client.post(f"/callbacks/{callback.pk}/status/", {"action": "no_answer"}, follow=True)
    )
    assert "No answer (attempt 1 of 3)." in html
    assert ">Start call</button>" in html

    client.post(f"/callbacks/{callback.pk}/status/", {"action": "in_progress"})
    refused = page(client.post(f"/callbacks/{callback.pk}/status/", {"action": "completed"}))
    assert "Say how the callback was resolved." in refused
    callback.refresh_from_db()
    assert (callback.status, callback.attempts) == ("in_progress", 1)

    response = client.post(
        f"/callbacks/{callback.pk}/status/",
        {"action": "completed", "resolution": "Refund agreed.", "outcome": "resolved"},
        follow=True,
    )
    assert "Status: In progress → Completed (resolved)." in page(response)
    callback.refresh_from_db()
    assert (callback.status, callback.attempts, callback.resolution) == (
        "completed",
        2,
        "Refund agreed.",
    )


def test_nothing_to_claim(signed_in, agent_a):
    response = signed_in(agent_a).post("/callbacks/claim/", follow=True)
    assert "No callback is waiting to be claimed." in page(response)


def test_an_agent_only_starts_an_unassigned_callback(signed_in, agent_a, make_callback):
    callback = make_callback()
    html = page(signed_in(agent_a).get(f"/callbacks/{callback.pk}/"))
    assert ">Start call</button>" in html
    assert "Cancel callback" not in html and "<h3>Assign</h3>" not in html
    forbidden = signed_in(agent_a).post(
        f"/callbacks/{callback.pk}/status/", {"action": "cancelled", "note": "x"}
    )
    assert forbidden.status_code == 403


def test_the_detail_shows_the_priority_parts_and_the_sla(signed_in, manager_a, make_callback):
    callback = make_callback(reason="billing", now=NOW - timedelta(hours=5, minutes=30))
    html = page(signed_in(manager_a).get(f"/callbacks/{callback.pk}/"))
    assert "Priority now: 20" in html  # billing 15 + waiting 5
    for part in ("Customer value", "Lead score", "Reason urgency", "VIP tag", "Time waiting"):
        assert f'<th scope="row">{part}</th>' in html
    # Arrived at 04:30, before opening: 72 business hours from 09:00 are nine full days.
    assert "due Mon 2026-03-16 17:00" in html


def test_a_manager_assigns_schedules_and_reassigns(signed_in, manager_a, agent_a, make_callback):
    callback = make_callback()
    client = signed_in(manager_a)
    response = client.post(
        f"/callbacks/{callback.pk}/assign/", {"assignee": agent_a.user_id}, follow=True
    )
    assert "Assigned to alpha-agent." in page(response)
    response = client.post(
        f"/callbacks/{callback.pk}/status/",
        {"action": "scheduled", "scheduled_for": "2026-03-05T11:00:00"},
        follow=True,
    )
    assert "Status: Pending → Scheduled for 2026-03-05 11:00." in page(response)
    callback.refresh_from_db()
    assert (callback.status, callback.scheduled_for.hour) == ("scheduled", 11)


def test_agents_cannot_assign_on_the_page(signed_in, agent_a, agent_a2, make_callback):
    callback = make_callback()
    response = signed_in(agent_a).post(
        f"/callbacks/{callback.pk}/assign/", {"assignee": agent_a2.user_id}
    )
    assert response.status_code == 403
    callback.refresh_from_db()
    assert callback.assigned_to is None


def test_auto_assign_from_the_queue(signed_in, manager_a, agent_a, make_callback):
    make_callback(), make_callback()
    client = signed_in(manager_a)
    asked = page(client.post("/callbacks/auto-assign/"))
    assert "Auto-assign 2 waiting callbacks?" in asked
    assert not CallbackRequest.objects.filter(assigned_to__isnull=False).exists()
    response = client.post("/callbacks/auto-assign/", {"confirmed": "on"}, follow=True)
    assert "Assigned 2 waiting callbacks." in page(response)
    assert set(CallbackRequest.objects.values_list("assigned_to", flat=True)) == {agent_a.user_id}
    assert signed_in(agent_a).post("/callbacks/auto-assign/").status_code == 403  # not asked


def test_the_sla_view_is_for_managers(signed_in, manager_a, agent_a, make_callback):
    overdue = make_callback(now=NOW - timedelta(days=14))
    callback_assign(callback=overdue, by=manager_a, assignee_id=agent_a.user_id)
    done = make_callback()
    callback_change_status(callback=done, by=manager_a, status="cancelled", note="x", now=NOW)
    assert signed_in(agent_a).get("/callbacks/sla/").status_code == 403
    html = page(signed_in(manager_a).get("/callbacks/sla/"))
    assert '<span class="value" id="open-count">1</span>' in html
    assert '<span class="value" id="open-breached">1</span>' in html
    assert '<span class="value" id="breach-rate">0.0%</span>' in html
    assert "alpha-agent" in html and "alpha-manager" in html
    bad = page(signed_in(manager_a).get("/callbacks/sla/", {"start_date": "soon"}))
    assert "Use a date in YYYY-MM-DD form." in bad


def test_request_a_callback_on_the_page(signed_in, agent_a, customer):
    client = signed_in(agent_a)
    form = page(client.get("/callbacks/new/", {"customer": customer.pk}))
    assert f'value="{customer.pk}" checked> Carla Client (+442079460958)' in form
    refused = page(client.post("/callbacks/new/", {"reason": "support", "source": "manual"}))
    assert "Give a customer or a lead." in refused
    assert not CallbackRequest.objects.exists()
    response = client.post(
        "/callbacks/new/",
        {
            "customer": customer.pk,
            "reason": "sales_inquiry",
            "source": "web_form",
            "preferred_start": "2026-03-05T09:00:00",
            "preferred_end": "2026-03-05T10:00:00",
        },
    )
    callback = CallbackRequest.objects.get()
    assert response.url == f"/callbacks/{callback.pk}/"
    assert (callback.source, callback.phone, callback.created_by) == (
        "web_form",
        "+442079460958",
        agent_a.user,
    )


def test_the_form_lists_no_contacts_and_the_picker_finds_them(
    signed_in, agent_a, agent_a2, customer, tenant_a, tenant_b
):
    """A tenant's customers are not all put in the page: the picker searches them, and only the
    tenant's own customers and the leads the member sees, never another tenant's."""
    from crm.services.customers import customer_create
    from tests.factories import LeadFactory

    customer_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Carlos", "last_name": "Cruz"}
    )
    customer_create(tenant=tenant_b, by=OPERATOR, data={"first_name": "Carla", "last_name": "Beta"})
    LeadFactory(tenant=tenant_a, first_name="Carl", last_name="Pool")  # unassigned: in the pool
    LeadFactory(tenant=tenant_a, first_name="Carl", last_name="Other", assigned_to=agent_a2.user)
    LeadFactory(tenant=tenant_b, first_name="Carl", last_name="Foreign")
    client = signed_in(agent_a)
    form = page(client.get("/callbacks/new/"))
    assert "Carla" not in form and "Carlos" not in form and 'name="q"' in form

    def found(kind, q):
        html = page(client.get(f"/callbacks/contacts/{kind}/", {"q": q}))
        return html

    customers = found("customer", "carl")
    assert "Carla Client (+442079460958)" in customers and "Carlos Cruz" in customers
    assert "Beta" not in customers
    assert f'name="customer" value="{customer.pk}"' in customers
    assert "Carla Client" in found("customer", "client 7946")  # every word, any field
    leads = found("lead", "carl")
    assert "Carl Pool" in leads and "Other" not in leads and "Foreign" not in leads
    assert "Type at least two characters." in found("customer", "c")
    assert "No customer matches" in found("customer", "zzz")
    assert client.get("/callbacks/contacts/tenant/", {"q": "carl"}).status_code == 404


def test_a_contact_the_member_may_not_pick_is_refused(signed_in, agent_a, agent_a2, tenant_b):
    from crm.services.customers import customer_create
    from tests.factories import LeadFactory

    foreign = customer_create(
        tenant=tenant_b, by=OPERATOR, data={"first_name": "Fay", "phone": "+15550100"}
    )
    theirs = LeadFactory(tenant=agent_a2.tenant, phone="+442079460958", assigned_to=agent_a2.user)
    client = signed_in(agent_a)
    for name, value in (("customer", foreign.pk), ("lead", theirs.pk)):
        html = page(
            client.post("/callbacks/new/", {name: value, "reason": "support", "source": "manual"})
        )
        assert "Select a valid choice." in html
    assert not CallbackRequest.objects.exists()
