"""milestones' part of the crossing walks (tests/tenancy): tenant B's marked milestone type,
template, lead with a milestone and a plan; how to address them; the writes and filters that point
at them."""

from crm.services.leads import lead_create
from milestones.api.viewsets import (
    LeadMilestoneViewSet,
    MilestoneReportViewSet,
    MilestoneTemplateViewSet,
    MilestoneTypeViewSet,
)
from milestones.models import LeadMilestone, LeadMilestonePlan, MilestoneTemplate, MilestoneType
from milestones.services.config import TYPES, lead_template_set, template_create
from tenancy.actors import OPERATOR
from tenancy.models import Role
from tenancy.services.config_entries import config_entry_create
from tests.factories import make_member
from tests.milestones.factories import LeadMilestoneFactory


def build(world, tenant) -> None:
    world.ms_type = config_entry_create(
        TYPES,
        by=OPERATOR,
        tenant=tenant,
        data={
            "type_code": "ZQXBETA_STEP",
            "type_name": "Zqxbeta step",
            "description": "zqxbeta secret stage",
            "sla_days": 3,
        },
    )
    world.ms_template = template_create(
        by=OPERATOR,
        tenant=tenant,
        data={"template_name": "Zqxbeta pipeline", "description": "zqxbeta"},
        sequence=["LEAD_GENERATED", "ZQXBETA_STEP"],
    )
    world.ms_agent = make_member(tenant, "zqxbeta-ms-agent", Role.AGENT)
    world.ms_lead = lead_create(
        tenant=tenant,
        by=OPERATOR,
        data={
            "first_name": "Zqxbeta",
            "last_name": "Milestones",
            "email": "zqxbeta-ms@beta.example",
            "assigned_to": world.ms_agent.user,
        },
    )
    lead_template_set(lead=world.ms_lead, by=OPERATOR, template=world.ms_template)
    world.milestone = LeadMilestoneFactory(
        lead=world.ms_lead,
        by=world.ms_agent,
        milestone_type=world.ms_type,
        status="in_progress",
        notes="zqxbeta private milestone note",
    )


def snapshot(world) -> tuple:
    ms_type = MilestoneType.objects.get(pk=world.ms_type.pk)
    template = MilestoneTemplate.objects.get(pk=world.ms_template.pk)
    milestone = LeadMilestone.objects.get(pk=world.milestone.pk)
    return (
        ms_type.type_name,
        ms_type.is_active,
        ms_type.deleted_at,
        ms_type.sla_days,
        template.template_name,
        template.is_active,
        template.deleted_at,
        template.is_default,
        tuple(template.type_codes()),
        milestone.status,
        milestone.notes,
        milestone.achieved_date,
        LeadMilestone.objects.filter(lead=world.ms_lead).count(),
        LeadMilestonePlan.objects.get(lead=world.ms_lead).template_id,
        world.ms_lead.activities.count(),
    )


DETAIL_KWARGS = {
    MilestoneTypeViewSet: lambda w: {"type_code": w.ms_type.type_code},
    MilestoneTemplateViewSet: lambda w: {"pk": w.ms_template.pk},
    LeadMilestoneViewSet: lambda w: {"lead_id": w.ms_lead.pk, "milestone_id": w.milestone.pk},
}
LIST_ONLY = {MilestoneReportViewSet}

FOREIGN_POSTS = {
    "milestone-template-list": lambda w, a: [
        {"template_name": "Mine", "sequence": ["LEAD_GENERATED", w.ms_type.type_code]},
    ],
}
OWN_POSTS = {"milestone-type-list"}

FOREIGN_FILTERS = {
    "milestone-trends": {"type_code": lambda w: w.ms_type.type_code},
    "milestone-bottlenecks": {"template_id": lambda w: w.ms_template.pk},
}

ADMIN_OBJECTS = {
    MilestoneType: lambda w: w.ms_type,
    MilestoneTemplate: lambda w: w.ms_template,
    LeadMilestone: lambda w: w.milestone,
}
