"""Who may write milestones, checked by the services themselves (whichever way in calls them):
members record, move and choose the template on the leads they see, only the tenant's admins
edit or remove a recorded milestone, and a member of another tenant does nothing. A refusal is a
PermissionDenied and writes nothing. `milestone_for` is the one fetch of a milestone: a missing
one, another tenant's, one of a lead the member does not see and a malformed key are one 404.
Which status moves a page offers is what the service accepts (`allowed_moves`)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from crm.models import LeadActivity
from milestones.models import LeadMilestone, LeadMilestonePlan, MilestoneStatus, MilestoneType
from milestones.rules import allowed_moves
from milestones.selectors.lead_milestones import milestone_for
from milestones.services.config import lead_template_set, template_create
from milestones.services.lead_milestones import (
    milestone_delete,
    milestone_record,
    milestone_set_status,
    milestone_update,
)
from tenancy.actors import OPERATOR
from tests.factories import LeadFactory

from .conftest import NOW, TODAY


@pytest.fixture
def theirs(make_lead, agent_a2):
    """A lead of tenant A assigned to the second agent: not visible to agent_a."""
    return make_lead(assigned_to=agent_a2.user)


@pytest.fixture
def open_visit(theirs, record):
    return record(theirs, "SITE_VISIT", TODAY, status="in_progress")


@pytest.fixture
def short(tenant):
    return template_create(
        by=OPERATOR, tenant=tenant, data={"template_name": "Short"}, sequence=["CONTACTED"]
    )


def state(lead) -> tuple:
    """Everything a milestone write could change on the lead."""
    return (
        list(
            LeadMilestone.objects.filter(lead=lead)
            .order_by("pk")
            .values_list("pk", "status", "notes", "achieved_date", "completed_by")
        ),
        LeadActivity.objects.filter(lead=lead).count(),
        list(LeadMilestonePlan.objects.filter(lead=lead).values_list("template_id", flat=True)),
    )


def writes(types, milestone, template):
    """Each milestone write service, as a call taking the actor."""
    lead = milestone.lead
    return {
        "milestone_record": lambda by: milestone_record(
            lead=lead, by=by, data={"milestone_type": types["CONTACTED"]}, now=NOW
        ),
        "milestone_set_status": lambda by: milestone_set_status(
            milestone=milestone, by=by, status="completed", now=NOW
        ),
        "milestone_update": lambda by: milestone_update(
            milestone=milestone, by=by, data={"notes": "changed"}, now=NOW
        ),
        "milestone_delete": lambda by: milestone_delete(milestone=milestone, by=by),
        "lead_template_set": lambda by: lead_template_set(lead=lead, by=by, template=template),
    }


SERVICES = [
    "milestone_record",
    "milestone_set_status",
    "milestone_update",
    "milestone_delete",
    "lead_template_set",
]


@pytest.mark.parametrize("service", SERVICES)
def test_another_tenants_admin_writes_nothing(service, admin_b, types, open_visit, short):
    before = state(open_visit.lead)
    with pytest.raises(PermissionDenied):
        writes(types, open_visit, short)[service](admin_b)
    assert state(open_visit.lead) == before


@pytest.mark.parametrize("service", SERVICES)
def test_an_agent_writes_nothing_on_a_lead_they_do_not_see(
    service, agent_a, types, open_visit, short
):
    before = state(open_visit.lead)
    with pytest.raises(PermissionDenied):
        writes(types, open_visit, short)[service](agent_a)
    assert state(open_visit.lead) == before


@pytest.mark.parametrize("service", ["milestone_update", "milestone_delete"])
@pytest.mark.parametrize("role", ["manager_a", "agent_a2"])
def test_only_admins_edit_or_remove_a_recorded_milestone(
    request, service, role, types, open_visit, short
):
    member = request.getfixturevalue(role)  # agent_a2 sees the lead: it is theirs
    before = state(open_visit.lead)
    with pytest.raises(PermissionDenied):
        writes(types, open_visit, short)[service](member)
    assert state(open_visit.lead) == before


def test_an_inactive_member_writes_nothing(agent_a2, types, open_visit, short):
    agent_a2.is_active = False
    agent_a2.save()
    before = state(open_visit.lead)
    for service in SERVICES:
        with pytest.raises(PermissionDenied):
            writes(types, open_visit, short)[service](agent_a2)
    assert state(open_visit.lead) == before


@pytest.mark.parametrize("role", ["agent_a2", "manager_a", "admin_a"])
def test_members_who_see_the_lead_record_move_and_choose_its_template(
    request, role, types, open_visit, short
):
    member = request.getfixturevalue(role)
    calls = writes(types, open_visit, short)
    contacted = calls["milestone_record"](member)
    assert contacted.completed_by == member.user
    assert calls["milestone_set_status"](member).status == MilestoneStatus.COMPLETED
    assert calls["lead_template_set"](member) == short
    activity = LeadActivity.objects.filter(lead=open_visit.lead).order_by("-pk").first()
    assert activity.actor == member.user


def test_an_agent_works_on_unassigned_leads(agent_a, make_lead, record, types):
    lead = make_lead()
    visit = record(lead, "SITE_VISIT", TODAY, status="in_progress", by=agent_a)
    milestone_set_status(milestone=visit, by=agent_a, status="failed", now=NOW)
    assert LeadMilestone.objects.get(pk=visit.pk).status == MilestoneStatus.FAILED


def test_admins_and_the_operator_edit_and_remove(admin_a, types, open_visit, short):
    calls = writes(types, open_visit, short)
    assert calls["milestone_update"](admin_a).notes == "changed"
    calls["milestone_delete"](OPERATOR)
    assert not LeadMilestone.objects.filter(pk=open_visit.pk).exists()
    activity = LeadActivity.objects.filter(lead=open_visit.lead).order_by("-pk").first()
    assert activity.actor is None and activity.message.startswith("Milestone removed")


# ---------------------------------------------------------------------------------------------
# milestone_for


def test_milestone_for_gives_what_the_member_sees(tenant, agent_a2, manager_a, open_visit):
    for member in (agent_a2, manager_a):
        found = milestone_for(tenant=tenant, membership=member, pk=open_visit.pk)
        assert found == open_visit
        found = milestone_for(
            tenant=tenant, membership=member, pk=str(open_visit.pk), lead=open_visit.lead
        )
        assert found == open_visit
    narrowed = LeadMilestone.objects.select_related("milestone_type")
    found = milestone_for(tenant=tenant, membership=agent_a2, pk=open_visit.pk, queryset=narrowed)
    assert found == open_visit


@pytest.mark.parametrize(
    "pk", ["not visible", "foreign", "another lead", "missing", "abc", "huge", "-1", "", None]
)
def test_milestone_for_is_one_404(tenant, tenant_b, agent_a, manager_a, open_visit, pk):
    member, lead = manager_a, None
    if pk == "not visible":
        member, pk = agent_a, open_visit.pk
    elif pk == "foreign":
        visit_b = MilestoneType.objects.get(tenant=tenant_b, type_code="SITE_VISIT")
        pk = milestone_record(
            lead=LeadFactory(tenant=tenant_b), by=OPERATOR, data={"milestone_type": visit_b}
        ).pk
    elif pk == "another lead":
        lead, pk = LeadFactory(tenant=tenant), open_visit.pk
    elif pk == "missing":
        pk = open_visit.pk + 1000
    elif pk == "huge":
        pk = str(2**64)
    with pytest.raises(Http404):
        milestone_for(tenant=tenant, membership=member, pk=pk, lead=lead)


def test_the_api_and_the_page_fetch_a_milestone_through_milestone_for(
    api, client, agent_a, make_lead, open_visit
):
    """Under a lead the agent sees, another agent's milestone is a 404 like a missing one."""
    mine = make_lead()
    for milestone_id in (open_visit.pk, open_visit.pk + 1000, 2**64):
        url = f"/api/v1/customization/milestones/{mine.pk}/{milestone_id}/status/"
        assert api(agent_a).post(url, {"status": "completed"}, format="json").status_code == 404
        client.force_login(agent_a.user)
        page = f"/milestones/leads/{mine.pk}/{milestone_id}/status/"
        assert client.post(page, {"status": "completed"}).status_code == 404
    assert LeadMilestone.objects.get(pk=open_visit.pk).status == MilestoneStatus.IN_PROGRESS


# ---------------------------------------------------------------------------------------------
# allowed_moves: what a page offers is what the service accepts


@pytest.mark.parametrize("code", ["CONTACTED", "SITE_VISIT"])  # mandatory, optional
@pytest.mark.parametrize("start", ["pending", "in_progress", "completed"])
def test_allowed_moves_are_the_moves_the_service_accepts(code, start, make_lead, record, manager_a):
    offered = allowed_moves(record(make_lead(), code, TODAY, status=start))
    for status in MilestoneStatus.values:
        milestone = record(make_lead(), code, TODAY, status=start)
        try:
            milestone_set_status(milestone=milestone, by=manager_a, status=status, now=NOW)
        except ValidationError:
            assert status not in offered
        else:
            assert status in offered
    if code == "CONTACTED":
        assert MilestoneStatus.SKIPPED not in offered
