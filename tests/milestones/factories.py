"""Factories of milestone rows, made by the app's services (as the operator unless `by` says
otherwise), so each row is what the app would write: a type through config_entry_create (its
code checked unique among the tenant's live types, its fields validated); a lead milestone
through milestone_record (the type's rules and the starting status checked, its date,
days_from_previous and completed_by set by the service, the lead's activity log written)."""

import factory

from milestones.models import LeadMilestone, MilestoneType
from milestones.services.config import TYPES
from milestones.services.lead_milestones import milestone_record
from tenancy.actors import OPERATOR
from tenancy.services.config_entries import config_entry_create
from tests.factories import LeadFactory


class MilestoneTypeFactory(factory.django.DjangoModelFactory):
    """MilestoneTypeFactory(tenant=..., type_code=..., **other fields of the type)."""

    class Meta:
        model = MilestoneType

    type_code = factory.Sequence(lambda n: f"STEP_{n}")
    type_name = factory.LazyAttribute(lambda t: t.type_code.replace("_", " ").capitalize())

    @classmethod
    def _create(cls, model_class, *args, tenant, by=OPERATOR, **data):
        return config_entry_create(TYPES, tenant=tenant, by=by, data=data)


class LeadMilestoneFactory(factory.django.DjangoModelFactory):
    """LeadMilestoneFactory(lead=..., milestone_type=..., by=..., now=..., **fields of the
    record). Without a lead, a new lead of `tenant`; without a type, a new type of the lead's
    tenant. As milestone_record has it, the milestone is completed unless `status` says
    otherwise, and happened today in the tenant's time zone (at `now`) unless `achieved_date`
    says otherwise."""

    class Meta:
        model = LeadMilestone

    class Params:
        tenant = None

    lead = factory.SubFactory(LeadFactory, tenant=factory.SelfAttribute("..tenant"))
    milestone_type = factory.SubFactory(
        MilestoneTypeFactory, tenant=factory.SelfAttribute("..lead.tenant")
    )

    @classmethod
    def _create(cls, model_class, *args, lead, by=OPERATOR, now=None, **data):
        return milestone_record(lead=lead, by=by, data=data, now=now)
