"""The customer timeline (crm.timeline and the providers of callbacks, milestones and
campaigns): every kind's content and order, seamless keyset pages over ties, the kind filter,
bad cursors and kinds, and the API's 404 for another tenant's customer."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from callbacks.models import CallbackActivity
from callbacks.services.assignment import callback_assign
from callbacks.services.requests import callback_create
from campaigns.models import CampaignResponse
from crm.models import CustomerTagChange, LeadActivity, LeadStatus, NoteEvent
from crm.services.customers import customer_create, customer_update
from crm.services.leads import lead_add_note, lead_create, lead_update
from crm.services.notes import note_create, task_complete
from crm.timeline import KINDS, customer_timeline, encode_cursor, parse_kinds
from crm.timeline.registry import Position
from customfields.models import FieldHistory
from tests.campaigns.conftest import channel
from tests.campaigns.factories import CampaignExecutionFactory, CampaignFactory
from tests.crm.customers import define
from tests.milestones.factories import LeadMilestoneFactory

T0 = timezone.now().replace(microsecond=0) - timedelta(days=30)


def at(minutes: int):
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def customer(tenant_a, manager_a):
    define(tenant_a, "tier", "Membership tier", "text")
    return customer_create(
        tenant=tenant_a,
        by=manager_a,
        data={"first_name": "Ada", "last_name": "King", "email": "ada@example.com"},
        tags=["vip"],
        custom_fields={"tier": "gold"},
    )


@pytest.fixture
def everything(tenant_a, manager_a, customer):
    """One of every kind that has a provider, each moved to its own minute (below, by kind)."""
    customer_update(customer=customer, by=manager_a, data={}, tags=["new"])  # -vip, +new
    customer_update(customer=customer, by=manager_a, data={}, custom_fields={"tier": "silver"})
    lead = lead_create(
        tenant=tenant_a,
        by=manager_a,
        data={"first_name": "Ada", "email": "ada@example.com", "customer": customer},
    )
    lead_update(lead=lead, by=manager_a, data={"status": LeadStatus.CONTACTED})
    lead_add_note(lead=lead, by=manager_a, note="Wants a quote")
    LeadMilestoneFactory(lead=lead, by=manager_a)
    callback_create(
        tenant=tenant_a,
        by=manager_a,
        data={"customer": customer, "reason": "support", "phone": "+15550001234"},
    )
    campaign = CampaignFactory(
        tenant=tenant_a,
        name="Spring sale",
        channels=[channel(tenant_a, "EMAIL")],
        contents=[{"channel": channel(tenant_a, "EMAIL"), "subject": "Hi", "body": "Hello"}],
    )
    execution = CampaignExecutionFactory(campaign=campaign, customer=customer, sent_at=at(100))
    for minute, kind in ((101, "open"), (102, "click"), (103, "conversion"), (104, "unsubscribe")):
        CampaignResponse.objects.create(
            tenant=tenant_a,
            campaign=campaign,
            execution=execution,
            customer=customer,
            kind=kind,
            url="https://shop.example/offer" if kind == "click" else "",
            occurred_at=at(minute),
        )
    # A delivery report is the provider's, not the customer's: not on the timeline.
    CampaignResponse.objects.create(
        tenant=tenant_a, campaign=campaign, customer=customer, kind="delivered", occurred_at=at(105)
    )
    FieldHistory.objects.filter(customer=customer, new_value="gold").update(changed_at=at(1))
    FieldHistory.objects.filter(customer=customer, new_value="silver").update(changed_at=at(6))
    CustomerTagChange.objects.filter(customer=customer, tag_name="vip", added=True).update(
        changed_at=at(2)
    )
    CustomerTagChange.objects.filter(customer=customer, tag_name="vip", added=False).update(
        changed_at=at(4)
    )
    CustomerTagChange.objects.filter(customer=customer, tag_name="new").update(changed_at=at(5))
    for minute, kind in ((10, "created"), (11, "status"), (12, "note"), (13, "milestone")):
        LeadActivity.objects.filter(lead=lead, kind=kind).update(created_at=at(minute))
    CallbackActivity.objects.filter(callback__customer=customer).update(created_at=at(20))
    note_create(
        tenant=tenant_a, by=manager_a, data={"customer": customer, "note": "Called, wants a quote"}
    )
    task = note_create(
        tenant=tenant_a,
        by=manager_a,
        data={
            "customer": customer,
            "note": "Send the quote",
            "is_task": True,
            "due_date": T0.date(),
        },
    )
    task_complete(note=task, by=manager_a)
    for minute, action in ((30, "created"), (32, "completed")):
        NoteEvent.objects.filter(customer=customer, note=task, action=action).update(
            created_at=at(minute)
        )
    NoteEvent.objects.filter(customer=customer, is_task=False).update(created_at=at(29))
    return customer


EXPECTED = [  # newest first
    ("campaign_response", "unsubscribed"),
    ("campaign_response", "conversion"),
    ("campaign_response", "campaign_clicked"),
    ("campaign_response", "campaign_opened"),
    ("campaign_sent", "campaign_sent"),
    ("note", "task_completed"),
    ("note", "task"),
    ("note", "note"),
    ("callback", "callback"),
    ("milestone", "milestone"),
    ("lead", "lead_activity"),
    ("lead", "lead"),
    ("lead", "lead"),
    ("field_change", "field_change"),
    ("tag", "tag_added"),
    ("tag", "tag_removed"),
    ("tag", "tag_added"),
    ("field_change", "field_change"),
]


def test_every_kind_in_order_with_its_content(tenant_a, manager_a, everything):
    page = customer_timeline(tenant=tenant_a, customer=everything)
    assert [(e.id.split(":")[0], e.kind) for e in page.entries] == EXPECTED
    assert page.next_cursor is None
    assert [e.occurred_at for e in page.entries] == sorted(
        (e.occurred_at for e in page.entries), reverse=True
    )
    by_kind = {}
    for entry in page.entries:
        by_kind.setdefault(entry.kind, entry)
        assert entry.kind in KINDS
    assert by_kind["field_change"].summary == "Membership tier: gold → silver"
    assert by_kind["field_change"].actor == manager_a.user.username
    assert by_kind["tag_removed"].summary == "Tag “vip” removed"
    assert by_kind["tag_removed"].data == {"tag": "vip"}
    assert by_kind["lead_activity"].summary == "Ada: Wants a quote"
    assert by_kind["milestone"].summary.startswith("Ada: Milestone recorded")
    assert by_kind["callback"].summary.startswith("Callback (support)")
    assert by_kind["campaign_sent"].summary == "Sent “Spring sale” by Email"
    assert by_kind["campaign_sent"].actor is None
    assert by_kind["campaign_clicked"].data["url"] == "https://shop.example/offer"
    assert by_kind["note"].summary == "Note created: Called, wants a quote"
    assert by_kind["task"].summary == "Task created: Send the quote"
    assert by_kind["task_completed"].data["text"] == "Send the quote"
    assert len({e.id for e in page.entries}) == len(page.entries)


def test_the_kind_filter(tenant_a, everything):
    def kinds(asked):
        page = customer_timeline(tenant=tenant_a, customer=everything, kinds=frozenset(asked))
        return [e.kind for e in page.entries]

    assert kinds({"tag_removed"}) == ["tag_removed"]
    assert kinds({"lead"}) == ["lead", "lead"]
    assert kinds({"lead_activity", "conversion"}) == ["conversion", "lead_activity"]
    assert kinds({"segment_entered"}) == []  # no provider yet: nothing, not an error
    assert kinds({"task_completed", "note"}) == ["task_completed", "note"]


def test_pages_are_seamless_over_entries_of_the_same_moment(tenant_a, manager_a, customer):
    lead = lead_create(
        tenant=tenant_a,
        by=manager_a,
        data={"first_name": "Ada", "email": "ada@example.com", "customer": customer},
    )
    for n in range(7):
        lead_add_note(lead=lead, by=manager_a, note=f"note {n}")
        customer_update(customer=customer, by=manager_a, data={}, custom_fields={"tier": str(n)})
        customer_update(customer=customer, by=manager_a, data={}, tags=[f"t{n}"])
    same = at(50)
    LeadActivity.objects.filter(lead=lead).update(created_at=same)
    FieldHistory.objects.filter(customer=customer).update(changed_at=same)
    CustomerTagChange.objects.filter(customer=customer).update(changed_at=same)
    whole = customer_timeline(tenant=tenant_a, customer=customer, limit=200).entries
    assert len(whole) == 8 + 8 + 15  # lead created + notes; values; tags added and removed

    for size in (1, 3, 7):
        seen, cursor = [], None
        while True:
            page = customer_timeline(tenant=tenant_a, customer=customer, cursor=cursor, limit=size)
            assert len(page.entries) <= size
            seen.extend(page.entries)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert [e.id for e in seen] == [e.id for e in whole], size


def test_a_bad_cursor_or_kind_is_a_validation_error(tenant_a, customer):
    for cursor in ("x", "!!!", encode_cursor(Position(T0, "tag", 1))[:-3], "bnVsbA"):
        with pytest.raises(ValidationError) as caught:
            customer_timeline(tenant=tenant_a, customer=customer, cursor=cursor)
        assert "cursor" in caught.value.message_dict, cursor
    with pytest.raises(ValidationError) as caught:
        parse_kinds("tag_added,nonsense")
    assert "nonsense" in caught.value.message_dict["kind"][0]


# ---------------------------------------------------------------------------------------------
# API


def url(customer):
    return reverse("customer-timeline", kwargs={"pk": customer.pk})


def test_api_pages_and_filters(api, agent_a, tenant_a, everything):
    client = api(agent_a)  # an agent sees whatever customer a member may see
    first = client.get(url(everything), {"page_size": 4})
    assert first.status_code == 200, first.content
    body = first.json()
    assert [e["kind"] for e in body["results"]] == [k for _, k in EXPECTED[:4]]
    assert set(body["results"][0]) == {"id", "kind", "occurred_at", "actor", "summary", "data"}
    second = client.get(body["next"])
    assert [e["kind"] for e in second.json()["results"]] == [k for _, k in EXPECTED[4:8]]
    filtered = client.get(url(everything), {"kind": "tag_added,tag_removed"}).json()
    assert [e["kind"] for e in filtered["results"]] == ["tag_added", "tag_removed", "tag_added"]
    assert filtered["next"] is None


@pytest.mark.parametrize(
    "params, field",
    [
        ({"cursor": "garbage"}, "cursor"),
        ({"kind": "tag_added,bogus"}, "kind"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
    ],
)
def test_api_bad_input_is_a_400(api, manager_a, customer, params, field):
    response = api(manager_a).get(url(customer), params)
    assert response.status_code == 400
    assert field in response.json()


def test_api_another_tenants_customer_is_a_404(api, admin_b, manager_a, customer):
    assert api(admin_b).get(url(customer)).status_code == 404
    assert (
        api(manager_a).get(reverse("customer-timeline", kwargs={"pk": 10**30})).status_code == 404
    )


def test_an_agent_does_not_see_other_agents_leads_and_callbacks(
    api, manager_a, agent_a, agent_a2, tenant_a, customer
):
    lead = lead_create(
        tenant=tenant_a,
        by=manager_a,
        data={"first_name": "Ada", "email": "a@example.com", "customer": customer},
    )
    lead_update(lead=lead, by=manager_a, data={"assigned_to": agent_a2.user})
    lead_add_note(lead=lead, by=manager_a, note="For agent two only")
    callback = callback_create(
        tenant=tenant_a,
        by=manager_a,
        data={"customer": customer, "reason": "billing", "phone": "+15550001234"},
    )
    callback_assign(callback=callback, by=manager_a, assignee_id=agent_a2.user_id)

    def kinds(member):
        response = api(member).get(url(customer), {"kind": "lead,lead_activity,callback"})
        return sorted({e["kind"] for e in response.json()["results"]})

    assert kinds(agent_a2) == kinds(manager_a) == ["callback", "lead", "lead_activity"]
    assert kinds(agent_a) == []


def test_an_agent_sees_notes_but_not_other_agents_tasks(
    api, manager_a, agent_a, agent_a2, tenant_a, customer
):
    note_create(tenant=tenant_a, by=manager_a, data={"customer": customer, "note": "Shared"})
    note_create(
        tenant=tenant_a,
        by=manager_a,
        data={
            "customer": customer,
            "note": "Agent two's call",
            "is_task": True,
            "due_date": T0.date(),
            "assigned_to": agent_a2.user,
        },
    )

    def kinds(member):
        response = api(member).get(url(customer), {"kind": "note,task"})
        return [e["kind"] for e in response.json()["results"]]

    assert kinds(manager_a) == kinds(agent_a2) == ["task", "note"]
    assert kinds(agent_a) == ["note"]


def test_core_field_changes_are_in_the_history_and_the_timeline(tenant_a, manager_a, customer):
    customer_update(
        customer=customer,
        by=manager_a,
        data={"email": "ada.king@example.com", "company": "Analytical", "first_name": "Ada"},
        reason="moved jobs",
    )
    rows = FieldHistory.objects.filter(customer=customer, definition=None).order_by("field_key")
    assert [(r.field_key, r.field_label, r.old_value, r.new_value, r.reason) for r in rows] == [
        ("company", "Company", None, "Analytical", "moved jobs"),
        ("email", "Email", "ada@example.com", "ada.king@example.com", "moved jobs"),
    ]
    assert rows[0].changed_by == manager_a.user
    page = customer_timeline(tenant=tenant_a, customer=customer, kinds=frozenset({"field_change"}))
    summaries = {e.summary for e in page.entries}
    assert "Email: ada@example.com → ada.king@example.com" in summaries
