"""Every milestone route answers as /api/schema/ documents it, with timelines and analytics in
every state they can be in: nulls where a milestone has no time, place, outcome or SLA, a next
step that is expected, open or none at all, a transition without an SLA, lists where the answer
is a list. Also: OPTIONS on a lead's milestone URLs describes the body instead of failing."""

import pytest

from milestones.models import LeadMilestone
from milestones.services.config import lead_template_set, template_create
from milestones.services.lead_milestones import milestone_set_status
from tenancy.actors import OPERATOR
from tests.milestones.conftest import MILESTONES, NOW
from tests.milestones.documented import assert_documented
from tests.milestones.factories import MilestoneTypeFactory

STANDARD = ["LEAD_GENERATED", "CONTACTED", "SITE_VISIT", "PROPOSAL_SENT", "CONVERTED"]


@pytest.fixture
def dataset(tenant, make_lead, record, agent_a, types):
    """Leads in each state a timeline can be in; returns them by name, with the templates."""
    types["NO_SLA"] = MilestoneTypeFactory(
        tenant=tenant, type_code="NO_SLA", type_name="No SLA", sla_days=None
    )
    no_sla = template_create(
        by=OPERATOR,
        tenant=tenant,
        data={"template_name": "No SLA"},
        sequence=["LEAD_GENERATED", "NO_SLA"],
    )
    leads = {"done": make_lead(), "open": make_lead(assigned_to=agent_a.user), "none": make_lead()}
    leads["no_sla"] = make_lead()
    leads["closed"] = make_lead()
    for day, code in enumerate(STANDARD, start=2):
        record(leads["done"], code, NOW.date().replace(day=day))
    record(leads["open"], "LEAD_GENERATED", NOW.date().replace(day=2))
    record(leads["open"], "CONTACTED", NOW.date().replace(day=3), outcome="positive")
    record(
        leads["open"],
        "SITE_VISIT",
        NOW.date().replace(day=4),
        status="in_progress",
        location_latitude="28.704100",
        location_longitude="77.102500",
        achieved_time="09:30",
    )
    record(leads["closed"], "LEAD_GENERATED", NOW.date().replace(day=1))
    record(leads["closed"], "CONTACTED", NOW.date().replace(day=2))
    for final in ("failed", "skipped"):
        visit = record(leads["closed"], "SITE_VISIT", NOW.date().replace(day=3), "in_progress")
        milestone_set_status(milestone=visit, by=OPERATOR, status=final, now=NOW)
    record(leads["closed"], "PROPOSAL_SENT", NOW.date().replace(day=5), status="pending")
    lead_template_set(lead=leads["no_sla"], by=OPERATOR, template=no_sla)
    record(leads["no_sla"], "LEAD_GENERATED", NOW.date().replace(day=1))
    record(leads["no_sla"], "NO_SLA", NOW.date().replace(day=6))
    return {**leads, "no_sla_template": no_sla}


@pytest.fixture(params=["manager", "agent"])
def client(request, api, manager_a, agent_a):
    return api(manager_a if request.param == "manager" else agent_a)


def test_every_timeline_is_documented(api, manager_a, dataset):
    client = api(manager_a)
    bodies = {
        name: assert_documented(client.get(f"{MILESTONES}{lead.pk}/"), 200)
        for name, lead in dataset.items()
        if name != "no_sla_template"
    }
    done, opened = bodies["done"], bodies["open"]
    assert done["is_complete"] and done["next_step"] is None
    first = done["milestones"][0]
    assert (first["achieved_time"], first["outcome"], first["location_latitude"]) == (
        None,
        None,
        None,
    )
    assert first["days_from_previous"] is None and first["completed_by"] is None
    assert [m["outcome"] for m in opened["milestones"]] == [None, "positive", None]
    visit = opened["milestones"][2]
    assert (visit["status"], visit["sla_state"], visit["location_latitude"]) == (
        "in_progress",
        "open_overdue",
        "28.704100",
    )
    assert opened["next_step"]["milestone_id"] == visit["id"]
    assert bodies["none"]["milestones"] == [] and bodies["none"]["next_step"]["status"] == (
        "expected"
    )
    assert bodies["none"]["next_step"]["milestone_id"] is None
    closed = bodies["closed"]
    assert [(m["status"], m["sla_state"]) for m in closed["milestones"]] == [
        ("completed", "breached"),  # the lead was created on 1 January
        ("completed", "on_time"),
        ("pending", "open_overdue"),
        ("failed", None),
        ("skipped", None),
    ]
    assert closed["next_step"]["status"] == "pending"
    no_sla = bodies["no_sla"]["milestones"][1]
    assert (no_sla["sla_days"], no_sla["due_date"], no_sla["sla_state"]) == (None, None, None)
    assert bodies["no_sla"]["template"]["template_name"] == "No SLA"


def test_the_analytics_are_documented(client, dataset):
    completion = assert_documented(client.get(f"{MILESTONES}analytics/completion/"), 200)
    assert {row["type_code"] for row in completion["details"]} >= {*STANDARD, "NO_SLA"}
    for query in ({}, {"type_code": "CONTACTED", "days": 366}, {"type_code": "", "days": 1}):
        trend = assert_documented(client.get(f"{MILESTONES}analytics/trends/", query), 200)
        assert isinstance(trend, list) and len(trend) == query.get("days", 30)
        assert trend[0]["type_code"] == (query.get("type_code") or None)
    standard = assert_documented(client.get(f"{MILESTONES}analytics/bottlenecks/"), 200)
    assert [row["from_milestone"] for row in standard] == STANDARD[:-1]
    template = dataset["no_sla_template"]
    [no_sla] = assert_documented(
        client.get(f"{MILESTONES}analytics/bottlenecks/", {"template_id": template.pk}), 200
    )
    assert (no_sla["sla_days"], no_sla["sla_breach_percent"]) == (None, None)
    assert (no_sla["leads_affected"], no_sla["completed"]) == (1, 1)
    overdue = assert_documented(client.get(f"{MILESTONES}overdue/"), 200)
    assert overdue["count"] == len(overdue["results"]) > 0
    assert {row["status"] for row in overdue["results"]} >= {"expected", "in_progress"}


@pytest.mark.parametrize(
    "path, query, field",
    [
        ("analytics/trends/", {"days": 0}, "days"),
        ("analytics/trends/", {"days": 367}, "days"),
        ("analytics/trends/", {"days": "ten"}, "days"),
        ("analytics/trends/", {"type_code": "NOPE"}, "type_code"),
        ("analytics/bottlenecks/", {"template_id": "first"}, "template_id"),
        ("analytics/bottlenecks/", {"template_id": 999999}, "template_id"),
    ],
)
def test_a_refused_parameter_is_a_documented_400(client, tenant, path, query, field):
    body = assert_documented(client.get(f"{MILESTONES}{path}", query), 400)
    assert list(body) == [field]


def test_writes_answer_as_documented(api, manager_a, make_lead, types):
    client = api(manager_a)
    lead = make_lead()
    url = f"{MILESTONES}{lead.pk}/"
    for code, outcome in (("LEAD_GENERATED", None), ("CONTACTED", "")):
        body = {"type_code": code, "achieved_date": "2026-01-05", "outcome": outcome}
        created = assert_documented(client.post(url, body, format="json"), 201)
        assert created["outcome"] is None
        assert LeadMilestone.objects.get(pk=created["id"]).outcome == ""
    visit = assert_documented(
        client.post(url, {"type_code": "SITE_VISIT", "status": "pending"}, format="json"), 201
    )
    moved = client.post(f"{url}{visit['id']}/status/", {"status": "in_progress"}, format="json")
    assert assert_documented(moved, 200)["status"] == "in_progress"
    refused = client.post(url, {"type_code": "PROPOSAL_SENT", "status": "failed"}, format="json")
    assert "is not a starting status" in assert_documented(refused, 400)["status"][0]
    chosen = client.put(f"{url}template/", {"template_id": None}, format="json")
    assert assert_documented(chosen, 200)["template"]["is_default"]
    for template_id in (0, 999999):
        refused = client.put(f"{url}template/", {"template_id": template_id}, format="json")
        assert list(assert_documented(refused, 400)) == ["template_id"]


def test_options_describes_each_body_and_never_fails(api, agent_a, agent_a2, make_lead, record):
    """OPTIONS on …/template/ used to be a 500 (an AssertionError: DRF's metadata fetched the
    object to update without a lookup of its own); it now describes the body it takes, and says
    nothing of a lead the member may not see."""
    mine = make_lead(assigned_to=agent_a.user)
    theirs = make_lead(assigned_to=agent_a2.user)
    visit = record(mine, "SITE_VISIT", NOW.date(), status="in_progress")
    client = api(agent_a)
    expected = {
        "template/": ("PUT", "template_id"),
        "": ("POST", "type_code"),
        f"{visit.pk}/status/": ("POST", "status"),
    }
    for suffix, (method, field) in expected.items():
        response = client.options(f"{MILESTONES}{mine.pk}/{suffix}")
        assert response.status_code == 200, response.content
        assert field in response.json()["actions"][method]
    hidden = client.options(f"{MILESTONES}{theirs.pk}/template/")
    assert hidden.status_code == 200 and "actions" not in hidden.json()


@pytest.mark.parametrize(
    "field, value",
    [
        ("achieved_time", "09:30:00+02:00"),  # an offset was silently dropped before
        ("achieved_time", "9:30"),
        ("achieved_time", "0930"),
        ("location_latitude", "1e1"),
        ("location_latitude", " 5"),
        ("location_latitude", ""),
        ("location_longitude", "180.5"),
    ],
)
def test_times_and_places_outside_their_documented_pattern_are_refused(
    api, manager_a, make_lead, types, field, value
):
    lead = make_lead()
    body = {"type_code": "SITE_VISIT", "achieved_date": "2026-01-05", field: value}
    if field.startswith("location"):
        body = {"location_latitude": "10", "location_longitude": "10", **body}
    response = api(manager_a).post(f"{MILESTONES}{lead.pk}/", body, format="json")
    assert list(assert_documented(response, 400)) == [field]
    assert not LeadMilestone.objects.filter(lead=lead).exists()
