"""A lead's timeline (durations, SLA states, next step) and the overdue list, on a fixed clock:
NOW is 10 March 2026 in New York. The default template runs LEAD_GENERATED (SLA 1 day) →
CONTACTED (2) → SITE_VISIT (7) → PROPOSAL_SENT (10) → CONVERTED (30)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from crm.models import CLOSED_STATUSES, Lead, LeadStatus
from crm.services.leads import lead_archive, lead_update
from milestones.models import LeadOpenStep
from milestones.selectors.overdue import OverdueSteps
from milestones.selectors.timeline import SlaState, lead_timeline
from milestones.services.config import lead_template_set, template_create
from milestones.services.lead_milestones import milestone_set_status
from tenancy.actors import OPERATOR
from tests.milestones.conftest import MILESTONES, NOW

D = date


def timeline_of(tenant, lead):
    return lead_timeline(tenant=tenant, lead=lead, now=NOW)


def states(timeline):
    return [
        (
            e.milestone.milestone_type.type_code,
            e.milestone.status,
            e.start_date,
            e.duration_days,
            e.due_date,
            e.sla_state,
        )
        for e in timeline.entries
    ]


def test_sla_states_on_fixed_dates(tenant, make_lead, record):
    lead = make_lead(created=D(2026, 3, 1))
    record(lead, "LEAD_GENERATED", D(2026, 3, 1))
    record(lead, "CONTACTED", D(2026, 3, 4))
    visit = record(lead, "SITE_VISIT", D(2026, 3, 5), status="in_progress")
    timeline = timeline_of(tenant, lead)
    assert timeline.as_of == D(2026, 3, 10)
    assert timeline.template.template_name == "Standard Sales Pipeline"
    assert states(timeline) == [
        # created 1 March: due the next day, done the same day
        ("LEAD_GENERATED", "completed", D(2026, 3, 1), 0, D(2026, 3, 2), SlaState.ON_TIME),
        # 3 days after the lead was generated, against an SLA of 2
        ("CONTACTED", "completed", D(2026, 3, 1), 3, D(2026, 3, 3), SlaState.BREACHED),
        # started on the 5th, counted from the contact on the 4th: due the 11th, 6 days so far
        ("SITE_VISIT", "in_progress", D(2026, 3, 4), 6, D(2026, 3, 11), SlaState.OPEN_ON_TIME),
    ]
    next_step = timeline.next_step
    assert (next_step.milestone_type.type_code, next_step.status) == ("SITE_VISIT", "in_progress")
    assert next_step.milestone == visit
    assert (next_step.due_date, next_step.sla_state) == (D(2026, 3, 11), SlaState.OPEN_ON_TIME)
    assert [(s.milestone_type.type_code, s.status, s.is_next) for s in timeline.steps] == [
        ("LEAD_GENERATED", "completed", False),
        ("CONTACTED", "completed", False),
        ("SITE_VISIT", "in_progress", True),
        ("PROPOSAL_SENT", None, False),
        ("CONVERTED", None, False),
    ]
    assert not timeline.is_complete

    milestone_set_status(
        milestone=visit, by=OPERATOR, status="completed", achieved_date=D(2026, 3, 9), now=NOW
    )
    timeline = timeline_of(tenant, lead)
    assert states(timeline)[2] == (
        "SITE_VISIT",
        "completed",
        D(2026, 3, 4),
        5,
        D(2026, 3, 11),
        SlaState.ON_TIME,
    )
    next_step = timeline.next_step
    assert (next_step.milestone_type.type_code, next_step.status) == ("PROPOSAL_SENT", "expected")
    assert (next_step.start_date, next_step.due_date) == (D(2026, 3, 9), D(2026, 3, 19))
    assert next_step.sla_state == SlaState.OPEN_ON_TIME and next_step.milestone is None


def test_the_due_day_itself_is_on_time(tenant, make_lead):
    lead = make_lead(created=D(2026, 3, 9))  # LEAD_GENERATED due the 10th: today
    next_step = timeline_of(tenant, lead).next_step
    assert (next_step.milestone_type.type_code, next_step.due_date) == (
        "LEAD_GENERATED",
        D(2026, 3, 10),
    )
    assert next_step.sla_state == SlaState.OPEN_ON_TIME
    late = timeline_of(tenant, make_lead(created=D(2026, 3, 8))).next_step
    assert late.sla_state == SlaState.OPEN_OVERDUE


def test_a_skipped_step_is_passed_but_not_a_start(tenant, make_lead, record):
    lead = make_lead(created=D(2026, 2, 1))
    record(lead, "LEAD_GENERATED", D(2026, 2, 1))
    record(lead, "CONTACTED", D(2026, 2, 3))
    visit = record(lead, "SITE_VISIT", D(2026, 2, 4), status="in_progress")
    milestone_set_status(
        milestone=visit, by=OPERATOR, status="skipped", achieved_date=D(2026, 2, 5), now=NOW
    )
    timeline = timeline_of(tenant, lead)
    assert states(timeline)[2][-1] is None  # a skipped step has no SLA state
    next_step = timeline.next_step
    assert next_step.milestone_type.type_code == "PROPOSAL_SENT"
    # due 10 days after the contact (3 Feb): a skip is not a completed milestone
    assert (next_step.start_date, next_step.due_date) == (D(2026, 2, 3), D(2026, 2, 13))
    assert next_step.sla_state == SlaState.OPEN_OVERDUE


def test_a_lead_that_jumps_ahead_expects_the_step_after_the_furthest(tenant, make_lead, record):
    lead = make_lead(created=D(2026, 3, 1))
    record(lead, "LEAD_GENERATED", D(2026, 3, 1))
    record(lead, "PROPOSAL_SENT", D(2026, 3, 2))  # no contact, no visit recorded
    next_step = timeline_of(tenant, lead).next_step
    assert next_step.milestone_type.type_code == "CONVERTED"
    assert next_step.due_date == D(2026, 4, 1)


def test_closed_and_archived_leads_expect_nothing(tenant, make_lead, record):
    won = make_lead(status=LeadStatus.WON)
    record(won, "LEAD_GENERATED", D(2026, 1, 1))
    assert timeline_of(tenant, won).next_step is None
    archived = make_lead(archived_at=timezone.now())
    assert timeline_of(tenant, archived).next_step is None


def test_an_open_record_outlives_its_lead_being_closed_or_archived(tenant, make_lead, record):
    """An open lead's open steps are read from the rows kept of them; a closed or archived
    lead has none kept, and its open record's start and due day are worked out instead."""
    leads = []
    for close in (
        lambda lead: lead_update(lead=lead, by=OPERATOR, data={"status": LeadStatus.WON}),
        lambda lead: lead_archive(lead=lead, by=OPERATOR),
    ):
        lead = make_lead(created=D(2026, 3, 1))
        record(lead, "LEAD_GENERATED", D(2026, 3, 1))
        record(lead, "CONTACTED", D(2026, 3, 4))
        record(lead, "SITE_VISIT", D(2026, 3, 5), status="in_progress")
        open_state = states(timeline_of(tenant, lead))
        assert LeadOpenStep.objects.filter(lead=lead).exists()
        close(lead)
        lead.refresh_from_db()
        assert not LeadOpenStep.objects.filter(lead=lead).exists()
        timeline = timeline_of(tenant, lead)
        assert states(timeline) == open_state
        assert open_state[2] == (
            "SITE_VISIT",
            "in_progress",
            D(2026, 3, 4),
            6,
            D(2026, 3, 11),
            SlaState.OPEN_ON_TIME,
        )
        assert timeline.next_step is None
        leads.append(lead)
    assert [lead.status for lead in leads] == [LeadStatus.WON, LeadStatus.NEW]
    assert leads[1].is_archived


def test_every_required_step_completed_makes_the_template_complete(tenant, make_lead, record):
    lead = make_lead(created=D(2026, 1, 1))
    for day, code in enumerate(["LEAD_GENERATED", "CONTACTED", "PROPOSAL_SENT", "CONVERTED"], 1):
        record(lead, code, D(2026, 1, day))
    timeline = timeline_of(tenant, lead)
    assert timeline.is_complete  # SITE_VISIT is not required
    assert timeline.next_step is None


def test_a_lead_follows_its_plan_template(tenant, make_lead, record):
    short = template_create(
        by=OPERATOR,
        tenant=tenant,
        data={"template_name": "Short"},
        sequence=["CONTACTED", "CONVERTED"],
    )
    lead = make_lead(created=D(2026, 3, 1))
    lead_template_set(lead=lead, by=OPERATOR, template=short)
    record(lead, "CONTACTED", D(2026, 3, 2))
    timeline = timeline_of(tenant, lead)
    assert timeline.template == short
    assert [s.milestone_type.type_code for s in timeline.steps] == ["CONTACTED", "CONVERTED"]
    assert timeline.next_step.milestone_type.type_code == "CONVERTED"
    assert timeline.next_step.due_date == D(2026, 4, 1)
    lead_template_set(lead=lead, by=OPERATOR, template=None)
    # on the default template, CONTACTED is step 2: the visit comes next
    assert timeline_of(tenant, lead).next_step.milestone_type.type_code == "SITE_VISIT"


# ---------------------------------------------------------------------------------------------
# The overdue list


@pytest.fixture
def overdue_world(tenant, make_lead, record, agent_a2):
    """Leads in every situation; the comments give each one's overdue steps as of 10 March."""
    leads = {}
    # on time: its visit is due 11 March
    leads["on_time"] = lead = make_lead(created=D(2026, 3, 1))
    record(lead, "LEAD_GENERATED", D(2026, 3, 1))
    record(lead, "CONTACTED", D(2026, 3, 4))
    record(lead, "SITE_VISIT", D(2026, 3, 5), status="in_progress")
    # SITE_VISIT expected since the contact on 2 Feb: due 9 Feb, 29 days over
    leads["stalled"] = lead = make_lead(created=D(2026, 2, 1))
    record(lead, "LEAD_GENERATED", D(2026, 2, 1))
    record(lead, "CONTACTED", D(2026, 2, 2))
    # due today (LEAD_GENERATED, created yesterday): not overdue
    leads["new"] = make_lead(created=D(2026, 3, 9))
    # LEAD_GENERATED due 6 March: 4 days over; assigned to another agent
    leads["forgotten"] = make_lead(created=D(2026, 3, 5), assigned_to=agent_a2.user)
    # SITE_VISIT expected from 10 Feb (due 17 Feb, 21 over) and a proposal pending since
    # 20 Feb, counted from the same contact (due 20 Feb, 18 over)
    leads["two"] = lead = make_lead(created=D(2026, 2, 9))
    record(lead, "LEAD_GENERATED", D(2026, 2, 9))
    record(lead, "CONTACTED", D(2026, 2, 10))
    record(lead, "PROPOSAL_SENT", D(2026, 2, 20), status="pending")
    # lost: a contact still pending since 25 Feb (due 26 Feb) is not on the list
    leads["lost"] = lead = make_lead(created=D(2026, 2, 24), status=LeadStatus.LOST)
    record(lead, "LEAD_GENERATED", D(2026, 2, 24))
    record(lead, "CONTACTED", D(2026, 2, 25), status="pending")
    # skipped the visit: the proposal is due 10 days after the contact (3 Feb): 13 Feb, 25 over
    leads["skipped"] = lead = make_lead(created=D(2026, 2, 1))
    record(lead, "LEAD_GENERATED", D(2026, 2, 1))
    record(lead, "CONTACTED", D(2026, 2, 3))
    visit = record(lead, "SITE_VISIT", D(2026, 2, 4), status="in_progress")
    milestone_set_status(
        milestone=visit, by=OPERATOR, status="skipped", achieved_date=D(2026, 2, 5), now=NOW
    )
    # archived: left out whatever it holds
    leads["archived"] = make_lead(created=D(2026, 1, 1), archived_at=timezone.now())
    return leads


def overdue_rows(tenant, leads, now=NOW):
    steps = OverdueSteps(tenant=tenant, leads=leads, now=now)
    return steps.count(), [
        (s.lead.pk, s.milestone_type.type_code, s.status, s.due_date, s.days_overdue)
        for s in steps[0:100]
    ]


def test_overdue_list_oldest_first(tenant, overdue_world):
    w = overdue_world
    live = Lead.objects.filter(tenant=tenant, archived_at__isnull=True)
    count, rows = overdue_rows(tenant, live)
    assert rows == [
        (w["stalled"].pk, "SITE_VISIT", "expected", D(2026, 2, 9), 29),
        (w["skipped"].pk, "PROPOSAL_SENT", "expected", D(2026, 2, 13), 25),
        (w["two"].pk, "SITE_VISIT", "expected", D(2026, 2, 17), 21),
        (w["two"].pk, "PROPOSAL_SENT", "pending", D(2026, 2, 20), 18),
        (w["forgotten"].pk, "LEAD_GENERATED", "expected", D(2026, 3, 6), 4),
    ]
    assert count == 5
    steps = OverdueSteps(tenant=tenant, leads=live, now=NOW)
    assert [s.lead.pk for s in steps[3:10]] == [w["two"].pk, w["forgotten"].pk]
    # two days later the visit of "on_time" (due 11 March) is overdue too
    count, _ = overdue_rows(tenant, live, now=NOW + timedelta(days=2))
    assert count == 7  # and "new" (due 10 March)


def test_the_overdue_list_agrees_with_the_timelines(tenant, overdue_world):
    _, rows = overdue_rows(tenant, Lead.objects.filter(tenant=tenant))
    from_timelines = []
    open_leads = Lead.objects.filter(tenant=tenant, archived_at__isnull=True).exclude(
        status__in=CLOSED_STATUSES
    )
    for lead in open_leads:
        timeline = timeline_of(tenant, lead)
        for entry in timeline.entries:
            if entry.sla_state == SlaState.OPEN_OVERDUE:
                from_timelines.append(
                    (lead.pk, entry.milestone.milestone_type.type_code, entry.due_date)
                )
        step = timeline.next_step
        if step and step.milestone is None and step.sla_state == SlaState.OPEN_OVERDUE:
            from_timelines.append((lead.pk, step.milestone_type.type_code, step.due_date))
    assert sorted(from_timelines) == sorted((r[0], r[1], r[3]) for r in rows)


def test_overdue_api_is_scoped_to_the_leads_you_may_see(api, manager_a, agent_a, overdue_world):
    manager = api(manager_a).get(f"{MILESTONES}overdue/").json()
    agent = api(agent_a).get(f"{MILESTONES}overdue/").json()
    # the real clock is later than NOW, so more may be overdue; the agent never sees the step of
    # the lead assigned to another agent
    forgotten = overdue_world["forgotten"].pk
    assert forgotten in {row["lead_id"] for row in manager["results"]}
    assert forgotten not in {row["lead_id"] for row in agent["results"]}
    assert agent["count"] == manager["count"] - 1
    first = manager["results"][0]
    assert set(first) == {
        "lead_id",
        "lead_name",
        "assigned_to",
        "type_code",
        "type_name",
        "status",
        "milestone_id",
        "start_date",
        "due_date",
        "days_overdue",
    }
    dues = [row["due_date"] for row in manager["results"]]
    assert dues == sorted(dues)


# ---------------------------------------------------------------------------------------------
# The timeline through the API (real clock: dates relative to today)


def test_timeline_api(api, manager_a, tenant, make_lead, record):
    today = timezone.localtime(timezone.now(), tenant.tzinfo).date()
    lead = make_lead(created=today - timedelta(days=10))
    now = timezone.now()
    record(lead, "LEAD_GENERATED", today - timedelta(days=10), now=now)
    contacted = record(lead, "CONTACTED", today - timedelta(days=6), notes="Called", now=now)
    body = api(manager_a).get(f"{MILESTONES}{lead.pk}/").json()
    assert body["lead_id"] == lead.pk and body["as_of"] == today.isoformat()
    assert body["template"]["template_name"] == "Standard Sales Pipeline"
    assert [m["type_code"] for m in body["milestones"]] == ["LEAD_GENERATED", "CONTACTED"]
    row = body["milestones"][1]
    assert row["id"] == contacted.pk and row["notes"] == "Called"
    assert (row["days_from_previous"], row["duration_days"], row["sla_days"]) == (4, 4, 2)
    assert row["sla_state"] == "breached"
    assert body["next_step"]["type_code"] == "SITE_VISIT"
    assert body["next_step"]["status"] == "expected"
    assert body["next_step"]["due_date"] == (today + timedelta(days=1)).isoformat()
    assert body["next_step"]["sla_state"] == "open_on_time"
    assert [s["status"] for s in body["steps"]] == ["completed", "completed", None, None, None]


def test_choose_a_template_for_a_lead(api, manager_a, tenant, make_lead):
    short = template_create(
        by=OPERATOR,
        tenant=tenant,
        data={"template_name": "Short"},
        sequence=["CONTACTED", "CONVERTED"],
    )
    lead = make_lead()
    client = api(manager_a)
    url = f"{MILESTONES}{lead.pk}/template/"
    body = client.put(url, {"template_id": short.pk}, format="json").json()
    assert body["template"] == {"id": short.pk, "template_name": "Short", "is_default": False}
    assert lead.activities.filter(kind="milestone").first().message == (
        "Milestone template: Standard Sales Pipeline → Short"
    )
    response = client.put(url, {"template_id": 999999}, format="json")
    assert response.status_code == 400
    assert response.json() == {"template_id": ["Unknown milestone template 999999."]}
    body = client.put(url, {"template_id": None}, format="json").json()
    assert body["template"]["template_name"] == "Standard Sales Pipeline"


def test_agents_only_see_timelines_of_leads_they_may_see(
    api, agent_a, agent_a2, tenant, make_lead, record
):
    mine = make_lead(assigned_to=agent_a.user)
    unassigned = make_lead()
    theirs = make_lead(assigned_to=agent_a2.user)
    visit = record(theirs, "SITE_VISIT", D(2026, 1, 2), status="in_progress")
    client = api(agent_a)
    assert client.get(f"{MILESTONES}{mine.pk}/").status_code == 200
    assert client.get(f"{MILESTONES}{unassigned.pk}/").status_code == 200
    for response in (
        client.get(f"{MILESTONES}{theirs.pk}/"),
        client.post(f"{MILESTONES}{theirs.pk}/", {"type_code": "CONTACTED"}, format="json"),
        client.post(
            f"{MILESTONES}{theirs.pk}/{visit.pk}/status/", {"status": "failed"}, format="json"
        ),
        client.put(f"{MILESTONES}{theirs.pk}/template/", {"template_id": None}, format="json"),
    ):
        assert response.status_code == 404
    visit.refresh_from_db()
    assert visit.status == "in_progress"
    assert api(agent_a2).get(f"{MILESTONES}{theirs.pk}/").status_code == 200


def test_overdue_steps_narrowed_to_some_leads_are_read_serially(tenant, overdue_world):
    """An agent's list (some leads) runs its count and page without parallel workers on
    PostgreSQL (milestones.selectors.overdue.serial), the whole tenant's as planned; the rows are
    the same either way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    live = Lead.objects.filter(tenant=tenant, archived_at__isnull=True)
    setting = "SET LOCAL max_parallel_workers_per_gather = 0"
    with CaptureQueriesContext(connection) as narrowed:
        count, rows = overdue_rows(tenant, live)
    with CaptureQueriesContext(connection) as whole:
        assert overdue_rows(tenant, None) == (count, rows)
    serial = [q["sql"] for q in narrowed.captured_queries if q["sql"] == setting]
    assert len(serial) == (2 if connection.vendor == "postgresql" else 0)  # count, page
    assert not any(q["sql"] == setting for q in whole.captured_queries)
