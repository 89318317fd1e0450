"""A lead's timeline costs the same statements however many milestones the lead has, and the
API's serializer built once answers what a fresh one answers."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from milestones.api.serializers import TimelineSerializer
from milestones.selectors.timeline import lead_timeline
from milestones.services.config import lead_template_set, template_create
from milestones.services.lead_milestones import milestone_set_status
from tenancy.actors import OPERATOR
from tests.milestones.conftest import MILESTONES, NOW

D = date


def rich_history(lead, record, by):
    """Five milestones: completed by a member, failed and retried, open, with a time, a place,
    an outcome, documents and metadata."""
    record(lead, "LEAD_GENERATED", D(2026, 2, 1), by=by, achieved_time="09:15")
    record(lead, "CONTACTED", D(2026, 2, 3), by=by, notes="Called", outcome="positive")
    attempt = record(lead, "SITE_VISIT", D(2026, 2, 4), status="in_progress")
    milestone_set_status(
        milestone=attempt, by=OPERATOR, status="failed", achieved_date=D(2026, 2, 5), now=NOW
    )
    record(lead, "PROPOSAL_SENT", D(2026, 2, 9), status="pending")
    record(
        lead,
        "SITE_VISIT",
        D(2026, 2, 7),
        by=by,
        location_latitude=Decimal("40.712800"),
        location_longitude=Decimal("-74.006000"),
        location_name="Office",
        document_urls=["https://example.com/a.pdf"],
        metadata={"rooms": 3},
    )


def statements(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return len(queries), result


def test_the_selector_runs_three_statements_whatever_the_history(
    tenant, make_lead, record, manager_a
):
    bare, rich = make_lead(), make_lead()
    record(bare, "LEAD_GENERATED", D(2026, 2, 1))
    rich_history(rich, record, manager_a)
    short = template_create(
        by=OPERATOR, tenant=tenant, data={"template_name": "Short"}, sequence=["CONTACTED"]
    )
    on_plan = make_lead()
    lead_template_set(lead=on_plan, by=OPERATOR, template=short)
    counts = {}
    for name, lead in (("bare", bare), ("rich", rich), ("plan", on_plan)):
        counts[name], timeline = statements(
            lambda lead=lead: lead_timeline(tenant=tenant, lead=lead, now=NOW)
        )
        # what the page and the serializer read of each milestone costs no further statement
        extra, _ = statements(
            lambda timeline=timeline: (
                [
                    (
                        e.milestone.milestone_type.type_code,
                        e.milestone.completed_by and e.milestone.completed_by.get_username(),
                    )
                    for e in timeline.entries
                ]
                + [
                    (s.milestone_type.type_code, s.milestone_type.is_required)
                    for s in timeline.steps
                ]
                + [timeline.template and timeline.template.template_name]
            )
        )
        assert extra == 0
    assert counts == {"bare": 3, "rich": 3, "plan": 3}
    timeline = lead_timeline(tenant=tenant, lead=rich, now=NOW)
    assert len(timeline.entries) == 5
    assert timeline.entries[0].milestone.completed_by.get_username() == manager_a.user.username
    assert lead_timeline(tenant=tenant, lead=on_plan, now=NOW).template == short


def test_the_api_runs_as_many_statements_for_one_milestone_as_for_many(
    api, manager_a, tenant, make_lead, record
):
    bare, rich = make_lead(), make_lead()
    record(bare, "LEAD_GENERATED", D(2026, 2, 1))
    rich_history(rich, record, manager_a)
    client = api(manager_a)
    client.get(f"{MILESTONES}{bare.pk}/")  # the token's first use is not the timeline's cost
    counts = {}
    for name, lead in (("bare", bare), ("rich", rich)):
        counts[name], response = statements(lambda lead=lead: client.get(f"{MILESTONES}{lead.pk}/"))
        assert response.status_code == 200
    assert counts["rich"] == counts["bare"]
    # the serializer built once per process answers as a fresh one, in the tenant's zone
    body = response.json()
    assert len(body["milestones"]) == 5
    with timezone.override(tenant.tzinfo):
        fresh = TimelineSerializer(lead_timeline(tenant=tenant, lead=rich, now=timezone.now()))
        expected = client.get(f"{MILESTONES}{rich.pk}/").json()
        assert expected == body
        assert body == {**fresh.data, "milestones": [dict(m) for m in fresh.data["milestones"]]}
    first = body["milestones"][0]
    assert first["completed_by"] == manager_a.user_id and first["achieved_time"] == "09:15:00"
    assert first["created_at"].endswith(("-05:00", "-04:00"))  # New York time
