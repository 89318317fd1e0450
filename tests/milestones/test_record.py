"""Recording milestones and moving their status (POST customization/milestones/{lead_id}/ and
…/{milestone_id}/status/): every rule of the type and of the status graph is a 400 that names the
problem, and nothing is written; days_from_previous and the activity log follow every write."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from crm.models import ActivityKind, LeadActivity
from milestones.models import LeadMilestone
from milestones.services.lead_milestones import milestone_set_status
from tenancy.actors import OPERATOR
from tests.factories import LeadFactory, make_tenant
from tests.milestones.conftest import MILESTONES
from tests.milestones.factories import MilestoneTypeFactory


@pytest.fixture
def manager(api, manager_a):
    return api(manager_a)


@pytest.fixture
def lead(make_lead):
    return make_lead()


def url(lead, *rest):
    return f"{MILESTONES}{lead.pk}/" + "".join(f"{part}/" for part in rest)


def written(lead) -> tuple[int, int]:
    return (
        LeadMilestone.objects.filter(lead=lead).count(),
        LeadActivity.objects.filter(lead=lead).count(),
    )


def test_record_a_site_visit_with_every_seed_field(manager, lead, manager_a):
    body = {
        "type_code": "SITE_VISIT",
        "status": "completed",
        "achieved_date": "2026-01-05",
        "achieved_time": "14:30:00",
        "notes": "Walked the site",
        "location_latitude": "28.704100",
        "location_longitude": "77.102500",
        "location_name": "New Delhi Office",
        "duration_minutes": 90,
        "outcome": "positive",
        "follow_up_date": "2026-01-12",
        "follow_up_required": True,
        "document_urls": ["https://files.example/plan.pdf"],
        "metadata": {"room": "B"},
    }
    response = manager.post(url(lead), body, format="json")
    assert response.status_code == 201, response.json()
    row = response.json()
    assert {key: row[key] for key in body} == body
    assert row["type_name"] == "Site visit" and row["category"] == "action"
    assert row["completed_by"] == manager_a.user_id
    assert row["days_from_previous"] is None  # the lead's first completed milestone
    activity = LeadActivity.objects.get(lead=lead, kind=ActivityKind.MILESTONE)
    assert activity.actor == manager_a.user
    assert activity.message == "Milestone recorded: Site visit, completed 2026-01-05 14:30."


def test_defaults_completed_today_in_the_tenants_zone(manager, lead, tenant):
    response = manager.post(url(lead), {"type_code": "CONTACTED"}, format="json")
    assert response.status_code == 201
    today = timezone.localtime(timezone.now(), tenant.tzinfo).date()
    assert response.json()["status"] == "completed"
    assert response.json()["achieved_date"] == today.isoformat()


@pytest.mark.parametrize(
    "body, field, message",
    [
        (
            {"type_code": "CONTACTED", "location_name": "Cafe"},
            "location_name",
            "CONTACTED milestones do not record a location.",
        ),
        (
            {"type_code": "CONTACTED", "location_latitude": "1.5", "location_longitude": "2.5"},
            "location_latitude",
            "CONTACTED milestones do not record a location.",
        ),
        (
            {"type_code": "SITE_VISIT", "location_latitude": "1.5"},
            "location_longitude",
            "Give both latitude and longitude, or neither.",
        ),
        (
            {"type_code": "NO_NOTES", "notes": "hello"},
            "notes",
            "NO_NOTES milestones do not take notes.",
        ),
        (
            {"type_code": "CONTACTED", "document_urls": ["https://files.example/a.pdf"]},
            "document_urls",
            "CONTACTED milestones do not take documents.",
        ),
        (
            {"type_code": "SITE_VISIT", "document_urls": ["ftp://files.example/a.pdf"]},
            "document_urls",
            "'ftp://files.example/a.pdf' is not an http(s) URL.",
        ),
        (
            {"type_code": "CONTACTED", "status": "skipped"},
            "status",
            "A new milestone starts pending, in_progress or completed",
        ),
        (
            {"type_code": "SITE_VISIT", "status": "failed"},
            "status",
            "'failed' is not a starting status.",
        ),
        (
            {"type_code": "CONTACTED", "achieved_date": "NEXT_MONTH"},
            "achieved_date",
            "A completed milestone cannot be dated after today",
        ),
        ({"type_code": "NOPE"}, "type_code", "Unknown milestone type 'NOPE'."),
        ({"type_code": "RETIRED"}, "type_code", "RETIRED is inactive."),
        (
            {"type_code": "SITE_VISIT", "location_latitude": "91", "location_longitude": "0"},
            "location_latitude",
            "Ensure this value is less than or equal to 90.",
        ),
        ({"type_code": "CONTACTED", "outcome": "great"}, "outcome", "not a valid choice"),
        ({"type_code": "CONTACTED", "metadata": [1]}, "metadata", "Expected a dictionary"),
        ({"type_code": "CONTACTED", "surprise": 1}, "surprise", "Unknown field."),
    ],
)
def test_each_rule_is_a_400_naming_the_problem(manager, lead, tenant, body, field, message):
    MilestoneTypeFactory(
        tenant=tenant, type_code="NO_NOTES", type_name="No notes", allows_notes=False
    )
    MilestoneTypeFactory(tenant=tenant, type_code="RETIRED", type_name="Retired", is_active=False)
    if body.get("achieved_date") == "NEXT_MONTH":
        body = {**body, "achieved_date": (timezone.now() + timedelta(days=31)).date().isoformat()}
    before = written(lead)
    response = manager.post(url(lead), body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert any(message in text for text in errors[field]), errors
    assert written(lead) == before


def test_a_type_of_another_tenant_is_unknown(manager, lead):
    beta = make_tenant("beta")
    MilestoneTypeFactory(tenant=beta, type_code="BETA_STEP", type_name="Beta")
    before = written(lead)
    response = manager.post(url(lead), {"type_code": "BETA_STEP"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"type_code": ["Unknown milestone type 'BETA_STEP'."]}
    assert written(lead) == before


def test_one_live_milestone_per_type_and_lead(manager, lead, record):
    record(lead, "CONTACTED", date(2026, 1, 2))
    before = written(lead)
    response = manager.post(url(lead), {"type_code": "CONTACTED"}, format="json")
    assert response.status_code == 400
    assert "already has a CONTACTED milestone (completed)" in response.json()["type_code"][0]
    assert written(lead) == before


def test_a_failed_attempt_can_be_followed_by_another(manager, lead, record):
    visit = record(lead, "SITE_VISIT", date(2026, 1, 2), status="in_progress")
    response = manager.post(url(lead, visit.pk, "status"), {"status": "failed"}, format="json")
    assert response.status_code == 200
    again = manager.post(url(lead), {"type_code": "SITE_VISIT"}, format="json")
    assert again.status_code == 201
    assert (
        LeadMilestone.objects.filter(lead=lead, milestone_type__type_code="SITE_VISIT").count() == 2
    )


def test_an_archived_lead_takes_no_milestones(manager, make_lead):
    lead = make_lead(archived_at=timezone.now())
    response = manager.post(url(lead), {"type_code": "CONTACTED"}, format="json")
    assert response.status_code == 400
    assert "archived" in response.json()["detail"][0]
    assert written(lead) == (0, 0)


# ---------------------------------------------------------------------------------------------
# The status graph


ALL = ["pending", "in_progress", "completed", "skipped", "failed"]
ALLOWED = {
    ("pending", "in_progress"),
    *(("in_progress", s) for s in ("completed", "skipped", "failed")),
}


def at_status(record, lead, status):
    """A SITE_VISIT milestone walked to `status` along the graph."""
    start = "completed" if status == "completed" else "pending"
    milestone = record(lead, "SITE_VISIT", date(2026, 1, 3), status=start)
    path = {"pending": [], "in_progress": ["in_progress"], "completed": []}
    path |= {"skipped": ["in_progress", "skipped"], "failed": ["in_progress", "failed"]}
    for step in path[status]:
        milestone = milestone_set_status(milestone=milestone, by=OPERATOR, status=step)
    return milestone


@pytest.mark.parametrize("old", ALL)
@pytest.mark.parametrize("new", ALL)
def test_status_moves_only_along_the_graph(manager, lead, record, old, new):
    milestone = at_status(record, lead, old)
    before = (written(lead), milestone.status, milestone.achieved_date)
    response = manager.post(url(lead, milestone.pk, "status"), {"status": new}, format="json")
    if (old, new) in ALLOWED:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == new
        return
    assert response.status_code == 400
    [message] = response.json()["status"]
    if old == new:
        assert message == f"This milestone is already {old}."
    else:
        assert message == (
            "A milestone moves pending → in_progress → completed, skipped or failed; "
            f"{old} cannot become {new}."
        )
    milestone.refresh_from_db()
    assert (written(lead), milestone.status, milestone.achieved_date) == before


def test_a_mandatory_milestone_cannot_be_skipped(manager, lead, record):
    contacted = record(lead, "CONTACTED", date(2026, 1, 2), status="in_progress")
    before = written(lead)
    response = manager.post(url(lead, contacted.pk, "status"), {"status": "skipped"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"status": ["CONTACTED is mandatory and cannot be skipped."]}
    assert written(lead) == before
    contacted.refresh_from_db()
    assert contacted.status == "in_progress"


def test_an_optional_milestone_can_be_skipped(manager, lead, record, manager_a):
    visit = record(lead, "SITE_VISIT", date(2026, 1, 2), status="in_progress")
    response = manager.post(
        url(lead, visit.pk, "status"),
        {"status": "skipped", "achieved_date": "2026-01-04"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["achieved_date"]) == (
        "skipped",
        "2026-01-04",
    )
    activity = LeadActivity.objects.filter(lead=lead, kind=ActivityKind.MILESTONE).first()
    assert activity.message.startswith("Milestone Site visit: In progress → Skipped")
    assert activity.actor == manager_a.user


def test_completing_stamps_today_and_who(manager, lead, record, manager_a, tenant):
    visit = record(lead, "SITE_VISIT", date(2026, 1, 2), status="in_progress")
    response = manager.post(url(lead, visit.pk, "status"), {"status": "completed"}, format="json")
    assert response.status_code == 200
    visit.refresh_from_db()
    now = timezone.localtime(timezone.now(), tenant.tzinfo)
    assert visit.achieved_date == now.date()
    assert visit.achieved_time is not None
    assert visit.completed_by == manager_a.user


def test_a_status_change_cannot_complete_in_the_future(manager, lead, record):
    visit = record(lead, "SITE_VISIT", date(2026, 1, 2), status="in_progress")
    future = (timezone.now() + timedelta(days=3)).date().isoformat()
    response = manager.post(
        url(lead, visit.pk, "status"),
        {"status": "completed", "achieved_date": future},
        format="json",
    )
    assert response.status_code == 400 and "achieved_date" in response.json()
    visit.refresh_from_db()
    assert visit.status == "in_progress"


def test_unknown_status_is_400(manager, lead, record):
    visit = record(lead, "SITE_VISIT", date(2026, 1, 2), status="pending")
    response = manager.post(url(lead, visit.pk, "status"), {"status": "done"}, format="json")
    assert response.status_code == 400 and "status" in response.json()


def test_another_leads_milestone_is_404(manager, lead, make_lead, record):
    other = record(make_lead(), "SITE_VISIT", date(2026, 1, 2), status="pending")
    response = manager.post(url(lead, other.pk, "status"), {"status": "in_progress"}, format="json")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "pending"


# ---------------------------------------------------------------------------------------------
# days_from_previous


def test_days_from_previous_follows_the_achieved_dates_not_the_recording_order(lead, record):
    generated = record(lead, "LEAD_GENERATED", date(2026, 1, 1))
    visit = record(lead, "SITE_VISIT", date(2026, 1, 10))
    assert visit.days_from_previous == 9
    # recorded later, achieved in between: both it and the visit are measured again
    contacted = record(lead, "CONTACTED", date(2026, 1, 4))
    proposal = record(lead, "PROPOSAL_SENT", date(2026, 1, 20), status="in_progress")
    values = {
        m.milestone_type.type_code: m.days_from_previous
        for m in LeadMilestone.objects.filter(lead=lead)
    }
    assert values == {
        "LEAD_GENERATED": None,
        "CONTACTED": 3,
        "SITE_VISIT": 6,
        "PROPOSAL_SENT": None,  # not completed
    }
    assert (generated.days_from_previous, contacted.days_from_previous) == (None, 3)
    assert proposal.days_from_previous is None


def test_a_status_change_measures_again(lead, record):
    record(lead, "LEAD_GENERATED", date(2026, 1, 1))
    visit = record(lead, "SITE_VISIT", date(2026, 1, 3), status="in_progress")
    visit = milestone_set_status(
        milestone=visit, by=OPERATOR, status="completed", achieved_date=date(2026, 1, 8)
    )
    assert visit.days_from_previous == 7


def test_recording_is_open_to_agents_on_their_leads_only(api, agent_a, agent_a2, tenant):
    mine = LeadFactory(tenant=tenant, assigned_to=agent_a.user)
    unassigned = LeadFactory(tenant=tenant)
    theirs = LeadFactory(tenant=tenant, assigned_to=agent_a2.user)
    client = api(agent_a)
    assert client.post(url(mine), {"type_code": "CONTACTED"}, format="json").status_code == 201
    assert (
        client.post(url(unassigned), {"type_code": "CONTACTED"}, format="json").status_code == 201
    )
    response = client.post(url(theirs), {"type_code": "CONTACTED"}, format="json")
    assert response.status_code == 404
    assert written(theirs) == (0, 0)
