"""What the bad-input tests (test_bad_input*.py) poke at: tenant A's world, made through the API,
and every write route of the API with a body it accepts as it is. The tests spoil these bodies
one part at a time.

Each route is a Write: its family, method and route name; its URL kwargs and JSON body, where
`$name` stands for an id of the world (`$lead`, `$agent`, …); and the dotted paths of the body's
numbers and ids (`lead_ids.0`, `audience.all.1.value`), which are fed numbers out of range.
"""

import json
from string import Template
from typing import NamedTuple

import pytest
from django.urls import reverse

from tests.factories import CustomerFactory, FieldDefinitionFactory, LeadFactory

NUL = "\x00"


class Write(NamedTuple):
    family: str
    method: str
    name: str
    kwargs: str
    body: str
    numbers: str = ""

    def url(self, w) -> str:
        pairs = (pair.split("=") for pair in Template(self.kwargs).substitute(w.ids).split())
        return reverse(self.name, kwargs=dict(pairs))

    def data(self, w):
        return json.loads(Template(self.body).substitute(w.ids))

    def number_paths(self) -> list[tuple]:
        return [
            tuple(int(step) if step.isdigit() else step for step in path.split("."))
            for path in self.numbers.split()
        ]

    @property
    def id(self) -> str:
        return f"{self.family}:{self.method}:{self.name}"


class World:
    """Tenant A's objects; `ids` names them for the routes' templates."""

    def __init__(self, admin, agent):
        self.admin, self.agent = admin, agent
        self.ids: dict[str, int] = {"agent": agent.user_id}

    def __getattr__(self, name):
        try:
            return self.ids[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def alpha(tenant_a, admin_a, agent_a, api):
    """Tenant A (alpha) and its objects, its admin acting."""
    client = api(admin_a)
    w = World(admin_a, agent_a)
    for key, kind in (("nickname", "text"), ("loyalty_points", "number"), ("since", "date")):
        FieldDefinitionFactory(tenant=tenant_a, field_key=key, field_type=kind)
    w.ids["lead"] = LeadFactory(tenant=tenant_a, phone="+15550001111").pk
    w.ids["lead2"] = LeadFactory(tenant=tenant_a, phone="+15550002222").pk
    w.ids["customer"] = CustomerFactory(tenant=tenant_a).pk
    w.ids["customer2"] = CustomerFactory(tenant=tenant_a).pk  # merged into `customer`

    def post(name, body, **kwargs):
        response = client.post(reverse(name, kwargs=kwargs), body, format="json")
        assert response.status_code in (200, 201), (name, response.content)
        return response.json()

    w.ids["callback"] = post("callback-list", {"lead": w.lead, "reason": "support"})["id"]
    w.ids["pool"] = post("callback-list", {"lead": w.lead, "reason": "other"})["id"]
    w.ids["live"] = post("callback-list", {"lead": w.lead2, "reason": "billing"})["id"]
    post("callback-assign", {"assigned_to": agent_a.user_id}, pk=w.callback)
    url = reverse("callback-status", kwargs={"pk": w.live})
    started = api(agent_a).put(url, {"status": "in_progress"}, format="json")
    assert started.status_code == 200, started.content
    record = {"type_code": "LEAD_GENERATED", "status": "pending"}
    w.ids["milestone"] = post("lead-milestone-list", record, lead_id=w.lead)["id"]
    template = {"template_name": "Short", "sequence": ["LEAD_GENERATED"]}
    w.ids["ms_template"] = post("milestone-template-list", template)["id"]
    template = {"template_name": "Blast", "campaign_type_code": "EMAIL_BLAST"}
    w.ids["cp_template"] = post("campaign-template-list", template)["id"]
    campaign = {
        "name": "Spring",
        "campaign_type": "EMAIL_BLAST",
        "channels": ["EMAIL", "FACEBOOK"],
        "contents": [{"channel": "EMAIL", "subject": "Hi", "body": "Hello"}],
    }
    w.ids["campaign"] = post("campaign-list", campaign)["id"]
    trigger = {
        "name": "On purchase",
        "campaign": w.ids["campaign"],
        "event_type": "purchase",
        "actions": [{"type": "add_tag", "tag": "buyer"}],
    }
    w.ids["trigger"] = post("campaign-trigger-list", trigger)["id"]
    note = {"customer": w.customer, "note": "Call", "is_task": True, "due_date": "2030-05-01"}
    w.ids["note"] = post("note-list", note)["id"]
    w.ids["tag"] = post("tag-list", {"name": "gold"})["id"]
    w.ids["tag2"] = post("tag-list", {"name": "silver"})["id"]
    rule = {"tag": "big", "condition": {"field": "total_spent", "op": "gte", "value": 1000}}
    w.ids["tag_rule"] = post("tag-rule-list", rule)["id"]
    w.ids["segment"] = post("segment-list", {"name": "Regulars", "conditions": {}})["id"]
    return w


# An audience with a part of each kind; its numbers are at AUDIENCE_NUMBERS.
AUDIENCE = """{"all": [
    {"field": "first_name", "op": "eq", "value": "Ann"},
    {"field": "crm_score", "op": "gte", "value": 10},
    {"field": "custom.loyalty_points", "op": "gte", "value": 5},
    {"field": "custom.nickname", "op": "contains", "value": "nick"},
    {"field": "tags", "op": "has_any", "value": ["vip"]},
    {"field": "total_spent", "op": "in", "value": [1, 2]},
    {"field": "created_at", "op": "gte", "value": "2024-01-01T00:00:00+00:00"},
    {"field": "custom.since", "op": "gte", "value": "2024-01-01"}]}"""
AUDIENCE_NUMBERS = "audience.all.1.value audience.all.2.value audience.all.5.value.0"
CONDITION_NUMBERS = AUDIENCE_NUMBERS.replace("audience.", "condition.")
CUSTOM = '{"nickname": "Nick", "loyalty_points": 5, "since": "2024-01-01"}'
AT = "T10:00:00+00:00"

# fmt: off
WRITES = [
    # leads
    Write("leads", "post", "lead-list", "", f"""{{"first_name": "Ann", "last_name": "Lee",
        "email": "ann@alpha.example", "company": "Acme", "job_title": "Buyer", "notes": "Met",
        "tags": ["vip"], "lead_score": 50, "estimated_value": 100, "source": "WEBSITE",
        "sub_source": "", "assigned_to": $agent, "expected_close_date": "2024-06-01",
        "next_follow_up_date": "2024-05-01{AT}"}}""", "lead_score estimated_value assigned_to"),
    Write("leads", "patch", "lead-detail", "pk=$lead", """{"first_name": "Ann", "notes": "n",
        "tags": ["hot"], "customer": $customer, "probability": 0.5}""", "customer probability"),
    Write("leads", "put", "lead-detail", "pk=$lead",
          '{"first_name": "Ann", "last_name": "Lee", "email": "ann@alpha.example"}'),
    Write("leads", "post", "lead-activities", "pk=$lead", '{"note": "Called back"}'),
    Write("leads", "post", "lead-convert", "pk=$lead", f'{{"custom_fields": {CUSTOM}}}',
          "custom_fields.loyalty_points"),
    Write("leads", "post", "lead-bulk-status", "",
          '{"lead_ids": [$lead], "status": "CONTACTED", "note": "All called"}', "lead_ids.0"),
    Write("leads", "post", "lead-assign", "", '{"lead_ids": [$lead], "agent_id": $agent}',
          "lead_ids.0 agent_id"),
    # customers and their custom values
    Write("customers", "post", "customer-list", "", f"""{{"first_name": "Cid", "last_name": "Moe",
        "email": "cid@alpha.example", "company": "Moe's", "description": "A regular",
        "tags": ["vip"], "total_purchases": 5, "total_spent": 10,
        "custom_fields": {CUSTOM}}}""", "total_purchases total_spent custom_fields.loyalty_points"),
    Write("customers", "patch", "customer-detail", "pk=$customer", f"""{{"company": "Moe's",
        "total_purchases": 3, "custom_fields": {CUSTOM}}}""",
          "total_purchases custom_fields.loyalty_points"),
    Write("customers", "patch", "customer-custom-fields", "pk=$customer", CUSTOM,
          "loyalty_points"),
    Write("customers", "post", "customer-capture", "pk=$customer field_key=nickname",
          '{"text": "Cid"}'),
    # segments
    Write("segments", "post", "segment-list", "", f"""{{"name": "Big", "description": "d",
        "conditions": {AUDIENCE}, "color": "#112233", "order": 2, "is_active": true}}""",
          f"order {AUDIENCE_NUMBERS.replace('audience.', 'conditions.')}"),
    Write("segments", "patch", "segment-detail", "pk=$segment",
          '{"name": "Big ones", "conditions": {}, "order": 1}', "order"),
    Write("segments", "post", "segment-preview", "", f"""{{"conditions": {AUDIENCE},
        "segment": $segment}}""",
          f"segment {AUDIENCE_NUMBERS.replace('audience.', 'conditions.')}"),
    Write("customers", "post", "customer-bulk", "", f"""{{"customer_ids": [$customer],
        "add_tags": ["vip"], "remove_tags": ["old"], "custom_fields": {CUSTOM}}}""",
          "customer_ids.0 custom_fields.loyalty_points"),
    Write("customers", "post", "customer-bulk-delete", "", '{"customer_ids": [$customer]}',
          "customer_ids.0"),
    Write("customers", "post", "customer-merge", "pk=$customer",
          '{"duplicate_ids": [$customer2], "values": {"email": $customer2}}',
          "duplicate_ids.0 values.email"),
    # notes and tasks
    Write("notes", "post", "note-list", "", """{"customer": $customer, "note": "Wants a quote",
        "is_task": true, "due_date": "2030-05-01", "due_time": "10:30:00",
        "assigned_to": $agent}""", "customer assigned_to"),
    Write("notes", "patch", "note-detail", "pk=$note", """{"note": "Quote sent",
        "due_date": "2030-05-02", "assigned_to": $agent, "is_completed": true}""", "assigned_to"),
    # tags
    Write("tags", "post", "tag-list", "",
          '{"name": "Fresh", "color": "#123456", "description": "New"}'),
    Write("tags", "patch", "tag-detail", "pk=$tag",
          '{"name": "Golden", "color": "#654321", "description": "Ours"}'),
    Write("tags", "post", "tag-merge", "pk=$tag", '{"into": $tag2}', "into"),
    # smart-tag rules
    Write("tag rules", "post", "tag-rule-list", "", f"""{{"tag": "Loyal", "name": "Loyal ones",
        "condition": {AUDIENCE}, "is_active": true, "untag_when_unmatched": true}}""",
          CONDITION_NUMBERS),
    Write("tag rules", "patch", "tag-rule-detail", "pk=$tag_rule",
          f'{{"tag": "Loyal", "name": "Loyal", "condition": {AUDIENCE}}}', CONDITION_NUMBERS),
    # lead sources, sub-sources and channels
    Write("sources", "post", "lead-source-list", "", """{"source_code": "FAIR",
        "source_name": "Fair", "description": "Trade fairs", "score_bonus": 5}""", "score_bonus"),
    Write("sources", "patch", "lead-source-detail", "source_code=WEBSITE",
          '{"source_name": "Web", "icon": "globe"}'),
    Write("sources", "post", "lead-sub-source-list", "source_code=SOCIAL", """{
        "sub_source_code": "TIKTOK", "sub_source_name": "TikTok", "cost_per_lead": 2}""",
          "cost_per_lead"),
    Write("sources", "patch", "lead-sub-source-detail",
          "source_code=SOCIAL sub_source_code=FACEBOOK",
          '{"sub_source_name": "FB", "total_cost": 3}', "total_cost"),
    Write("sources", "post", "lead-channel-list", "",
          '{"channel_code": "PHONE", "channel_name": "Phone"}'),
    Write("sources", "patch", "lead-channel-detail", "channel_code=DIRECT",
          '{"channel_name": "Phone in"}'),
    # milestone types, templates and records
    Write("milestones", "post", "milestone-type-list", "", """{"type_code": "DEMO",
        "type_name": "Demo", "description": "A demo", "sla_days": 3}""", "sla_days"),
    Write("milestones", "patch", "milestone-type-detail", "type_code=LEAD_GENERATED",
          '{"type_name": "New", "typical_duration_days": 2}', "typical_duration_days"),
    Write("milestones", "post", "milestone-template-list", "", """{"template_name": "Quick",
        "sequence": ["LEAD_GENERATED"], "estimated_days": 4}""", "estimated_days"),
    Write("milestones", "patch", "milestone-template-detail", "pk=$ms_template",
          '{"template_name": "Quicker"}'),
    Write("milestones", "post", "lead-milestone-list", "lead_id=$lead2", """{
        "type_code": "SITE_VISIT", "notes": "Booked", "location_name": "HQ",
        "outcome": "positive", "document_urls": ["https://alpha.example/a.pdf"],
        "metadata": {"room": "4"}, "duration_minutes": 30, "location_latitude": 1.5,
        "location_longitude": 2.5, "achieved_date": "2024-05-01", "follow_up_date": "2024-05-08"
        }""", "duration_minutes location_latitude"),
    Write("milestones", "post", "lead-milestone-status", "lead_id=$lead milestone_id=$milestone",
          '{"status": "in_progress", "achieved_date": "2024-05-02"}'),
    Write("milestones", "put", "lead-milestone-template", "lead_id=$lead",
          '{"template_id": $ms_template}', "template_id"),
    # callbacks
    Write("callbacks", "post", "callback-list", "", f"""{{"lead": $lead,
        "reason": "sales_inquiry", "notes": "Wants a quote", "phone": "+15551234567",
        "preferred_start": "2024-05-01{AT}", "preferred_end": "2024-05-02{AT}"}}""", "lead"),
    Write("callbacks", "patch", "callback-detail", "pk=$callback",
          '{"notes": "Later", "customer": $customer}', "customer"),
    Write("callbacks", "put", "callback-status", "pk=$callback",
          f'{{"status": "scheduled", "note": "Then", "scheduled_for": "2030-05-01{AT}"}}'),
    Write("callbacks", "post", "callback-complete", "pk=$live",
          '{"resolution": "Quoted", "outcome": "sale", "note": "Done"}'),
    Write("callbacks", "post", "callback-assign", "pk=$callback",
          '{"assigned_to": $agent, "note": "Yours"}', "assigned_to"),
    Write("callbacks", "post", "callback-activities", "pk=$callback", '{"note": "Left a message"}'),
    Write("callbacks", "post", "callback-auto-assign", "", '{"callback_ids": [$pool]}',
          "callback_ids.0"),
    # campaigns
    Write("campaigns", "post", "campaign-list", "", f"""{{"name": "Summer", "description": "Sun",
        "campaign_type": "EMAIL_BLAST", "channels": ["EMAIL"], "budget": 100,
        "audience": {AUDIENCE}, "kpis": ["leads"], "start_date": "2030-05-01",
        "end_date": "2030-06-01", "scheduled_at": "2030-05-01{AT}",
        "contents": [{{"channel": "EMAIL", "subject": "Hi", "body": "Hello", "weight": 1}}]}}""",
          f"budget contents.0.weight {AUDIENCE_NUMBERS}"),
    Write("campaigns", "patch", "campaign-detail", "pk=$campaign",
          f'{{"name": "Spring sale", "audience": {AUDIENCE}}}', AUDIENCE_NUMBERS),
    Write("campaigns", "post", "campaign-trigger-list", "", f"""{{"name": "Big buyers",
        "campaign": $campaign, "event_type": "purchase", "delay_minutes": 10,
        "max_per_customer": 2, "is_active": true,
        "conditions": {{"all": [{{"field": "event.amount", "op": "gte", "value": 100}},
            {AUDIENCE}]}},
        "actions": [{{"type": "send"}}, {{"type": "add_tag", "tag": "big"}},
            {{"type": "create_task", "note": "Call", "due_in_days": 2}}]}}""",
          "campaign delay_minutes max_per_customer conditions.all.0.value "
          "actions.2.due_in_days"),
    Write("campaigns", "patch", "campaign-trigger-detail", "pk=$trigger",
          '{"name": "Renamed", "delay_minutes": 5}', "delay_minutes"),
    Write("campaigns", "post", "campaign-audience-count", "", f'{{"audience": {AUDIENCE}}}',
          AUDIENCE_NUMBERS),
    Write("campaigns", "post", "campaign-preview", "pk=$campaign", """{"channel": "EMAIL",
        "subject": "Hi {first_name}", "body": "Hello", "customer": $customer}""", "customer"),
    Write("campaigns", "post", "campaign-conversions", "pk=$campaign", f"""{{"value": 5,
        "note": "Bought", "customer": $customer, "occurred_at": "2024-05-01{AT}"}}""",
          "value customer"),
    Write("campaigns", "post", "campaign-ad-metrics", "pk=$campaign", """{"channel": "FACEBOOK",
        "date": "2024-05-01", "impressions": 10, "clicks": 1, "spend": 5}""",
          "impressions clicks spend"),
    Write("campaigns", "post", "campaign-library-create", "pk=$cp_template", """{
        "name": "From template", "description": "d", "budget": 5, "start_date": "2030-05-01",
        "end_date": "2030-06-01"}""", "budget"),
    # the campaign catalogue
    Write("catalogue", "post", "campaign-type-list", "",
          '{"type_code": "WEBINAR", "type_name": "Webinar", "min_budget": 1}', "min_budget"),
    Write("catalogue", "patch", "campaign-type-detail", "type_code=EMAIL_BLAST",
          '{"type_name": "Blast", "typical_duration_days": 3}', "typical_duration_days"),
    Write("catalogue", "post", "campaign-channel-list", "", """{"channel_code": "SMS",
        "channel_name": "SMS", "kind": "sms", "integration_key": "k", "cost_per_message": 1}""",
          "cost_per_message"),
    Write("catalogue", "patch", "campaign-channel-detail", "channel_code=EMAIL",
          '{"channel_name": "Mail", "webhook_secret": "s", "average_cpl": 1}', "average_cpl"),
    Write("catalogue", "post", "campaign-status-list", "", """{"status_code": "REVIEW",
        "status_name": "Review", "phase": "draft", "next_statuses": ["ACTIVE"]}"""),
    Write("catalogue", "patch", "campaign-status-detail", "status_code=DRAFT",
          '{"status_name": "Draft", "next_statuses": ["ACTIVE"]}'),
    Write("catalogue", "post", "budget-type-list", "",
          '{"budget_type_code": "MONTHLY", "budget_type_name": "Monthly"}'),
    Write("catalogue", "patch", "budget-type-detail", "budget_type_code=TOTAL",
          '{"budget_type_name": "All in"}'),
    Write("catalogue", "post", "campaign-template-list", "", f"""{{"template_name": "Drip",
        "campaign_type_code": "EMAIL_BLAST", "default_budget": 5, "default_channels": ["EMAIL"],
        "target_audience": {AUDIENCE}}}""", "default_budget"),
    Write("catalogue", "patch", "campaign-template-detail", "pk=$cp_template",
          '{"template_name": "Blast 2", "default_duration_days": 3}', "default_duration_days"),
    # custom-field definitions
    Write("custom fields", "post", "custom-field-list", "", """{"field_key": "shoe_size",
        "field_label": "Shoe size", "field_type": "number", "help_text": "EU",
        "placeholder": "42", "validation_rules": {"min": 1, "max": 60}, "order": 3}""",
          "order validation_rules.max"),
    Write("custom fields", "patch", "custom-field-detail", "field_key=nickname",
          '{"field_label": "Nick", "validation_rules": {"max_length": 40}}',
          "validation_rules.max_length"),
    Write("custom fields", "post", "custom-field-reorder", "",
          '{"keys": ["loyalty_points", "nickname", "since"]}'),
    Write("custom fields", "post", "custom-field-apply-industry-template", "",
          '{"industry": "retail"}'),
    # external events (answered 202)
    Write("events", "post", "event-list", "", f"""{{"customer": $customer,
        "event_type": "purchase", "data": {{"sku": "A-1", "amount": 5, "lines": [{{"qty": 1}}]}},
        "occurred_at": "2024-05-01{AT}", "event_id": "order-1"}}""", "customer"),
    # signing in
    Write("sign-in", "post", "auth-token", "",
          '{"username": "alpha-admin", "password": "pass-word-1"}'),
]
# fmt: on

# Write routes that take a file (multipart/form-data), not JSON: their bad input (bad files,
# NUL bytes, a mapping that is not JSON, …) is tested where they are (the names and the test).
UPLOADS = {
    "customer-import": "tests/crm/test_imports_api.py",
    "lead-import": "tests/crm/test_imports_api.py",
}
