"""Milestone histories for the demo tenant's leads (called by the demo app's seed_demo),
consistent with each lead's status and funnel dates, recorded through the services so the
activity log shows them."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from crm.models import ActivityKind, Lead, LeadActivity, LeadStatus
from tenancy.models import Membership, Role, Tenant

from .models import LeadMilestone, MilestoneType
from .services.lead_milestones import milestone_record, milestone_set_status
from .services.projection import open_steps_rebuild

STEPS = ["LEAD_GENERATED", "CONTACTED", "SITE_VISIT", "PROPOSAL_SENT", "CONVERTED"]
# How many steps of the default template each open or won status has completed.
REACHED = {
    LeadStatus.NEW: 1,
    LeadStatus.CONTACTED: 2,
    LeadStatus.CALLBACK: 2,
    LeadStatus.QUALIFIED: 2,
    LeadStatus.PROPOSAL: 4,
    LeadStatus.NEGOTIATION: 4,
    LeadStatus.WON: 5,
}


@dataclass
class _History:
    """Writes one lead's milestones, each dated on its day in the activity log too."""

    lead: Lead
    by: Membership
    types: dict[str, MilestoneType]
    today: date

    def day(self, day: date) -> date:
        return min(day, self.today)

    def backdate(self, day: date) -> None:
        newest = self.lead.activities.filter(kind=ActivityKind.MILESTONE).order_by("-pk")[:1]
        LeadActivity.objects.filter(pk__in=newest).update(
            created_at=datetime.combine(self.day(day), time(12), tzinfo=self.lead.tenant.tzinfo)
        )

    def record(self, code: str, day: date, status: str = "completed") -> LeadMilestone:
        milestone = milestone_record(
            lead=self.lead,
            by=self.by,
            data={
                "milestone_type": self.types[code],
                "status": status,
                "achieved_date": self.day(day),
            },
        )
        self.backdate(day)
        return milestone

    def close(self, milestone: LeadMilestone, status: str, day: date) -> None:
        milestone_set_status(
            milestone=milestone, by=self.by, status=status, achieved_date=self.day(day)
        )
        self.backdate(day)


def _local_day(moment: datetime | None, tenant: Tenant) -> date | None:
    return None if moment is None else timezone.localtime(moment, tenant.tzinfo).date()


def _step_dates(lead: Lead, rng: random.Random) -> dict[str, date | None]:
    tenant = lead.tenant
    created = _local_day(lead.created_at, tenant)
    contacted = _local_day(lead.contacted_at, tenant) or created + timedelta(days=1)
    qualified = _local_day(lead.qualified_at, tenant) or contacted + timedelta(days=2)
    converted = _local_day(lead.converted_at, tenant)
    if converted is not None:  # won: the steps spread between the contact and the conversion
        span = max((converted - contacted).days, 2)
        visit = contacted + timedelta(days=span // 3)
        proposal = contacted + timedelta(days=2 * span // 3)
    else:
        visit = contacted + timedelta(days=rng.randint(1, 6))
        proposal = max(visit, qualified) + timedelta(days=rng.randint(1, 8))
    return dict(zip(STEPS, (created, contacted, visit, proposal, converted), strict=True))


def seed_demo_milestones(*, tenant: Tenant) -> None:
    rng = random.Random(11)
    types = {t.type_code: t for t in MilestoneType.objects.for_tenant(tenant).live()}
    members = {
        m.user_id: m for m in Membership.objects.filter(tenant=tenant).select_related("user")
    }
    manager = next(m for m in members.values() if m.role == Role.MANAGER)
    today = timezone.localtime(timezone.now(), tenant.tzinfo).date()
    for lead in Lead.objects.for_tenant(tenant).select_related("tenant").order_by("pk"):
        history = _History(lead, members.get(lead.assigned_to_id, manager), types, today)
        dates = _step_dates(lead, rng)
        if lead.status == LeadStatus.LOST:  # lost at the step after the last one reached
            done = STEPS[: 2 if lead.contacted_at else 1]
        else:
            done = STEPS[: REACHED[lead.status]]
        for code in done:
            if code == "SITE_VISIT" and rng.random() < 0.2:
                visit = history.record(code, dates[code], status="in_progress")
                history.close(visit, "skipped", dates[code])
            else:
                history.record(code, dates[code])
        if len(done) == len(STEPS):
            continue
        following = STEPS[len(done)]
        start = dates[following] or today
        if lead.status == LeadStatus.LOST:
            history.close(history.record(following, start, status="in_progress"), "failed", start)
        elif lead.status == LeadStatus.QUALIFIED:
            history.record(following, start, status="in_progress")
        elif rng.random() < 0.3:
            history.record(following, start, status="pending")
    # crm's demo back-dates its leads around the services: their open steps are recomputed.
    open_steps_rebuild(tenant=tenant)
