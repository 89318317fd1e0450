"""The overdue list: open steps past their due day, oldest first. Definitions: docs/metrics.md
("Milestones")."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import QuerySet
from django.utils.functional import cached_property

from crm.models import CLOSED_STATUSES, Lead
from tenancy.models import Tenant

from ..models import OPEN_STATUSES, LeadMilestone, MilestoneType
from .open_steps import OpenStep, open_step_from_row, open_steps_sql
from .timeline import EXPECTED, local_today


@dataclass
class OverdueStep:
    lead: Lead
    milestone_type: MilestoneType
    milestone: LeadMilestone | None
    start_date: date
    due_date: date
    days_overdue: int

    @property
    def status(self) -> str:
        return self.milestone.status if self.milestone else EXPECTED

    @property
    def milestone_id(self) -> int | None:
        return self.milestone.pk if self.milestone else None


class OverdueSteps:
    """The open steps of the open leads among `leads` (neither archived, WON nor LOST) whose due
    day is before today, oldest due first (then by lead and type): open records, and next
    expected steps not recorded yet. Sized and sliced like a list, for a paginator: one query
    finds and orders the steps (each page needs them all, to order them by due day), and only
    the page asked for is turned into objects."""

    def __init__(self, *, tenant: Tenant, leads: QuerySet[Lead], now: datetime):
        self.tenant = tenant
        self.today = local_today(tenant, now)
        self.leads = leads.filter(archived_at__isnull=True).exclude(status__in=CLOSED_STATUSES)

    @cached_property
    def _steps(self) -> list[OpenStep]:
        sql, params = open_steps_sql(self.tenant, self.leads, all_open=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT * FROM ({sql}) open_steps
                    WHERE due_date < %s AND (is_expected = 0 OR status IS NULL)
                    ORDER BY due_date, lead_id, milestone_type_id""",
                [*params, self.today],
            )
            return [open_step_from_row(row) for row in cursor.fetchall()]

    def count(self) -> int:
        return len(self._steps)

    def __getitem__(self, key: slice) -> list[OverdueStep]:
        if not isinstance(key, slice):
            raise TypeError("Take a slice: overdue[start:stop].")
        steps = self._steps[key]
        leads = (
            Lead.objects.select_related("assigned_to")
            .only("tenant_id", "first_name", "last_name", "assigned_to__username")
            .in_bulk({s.lead_id for s in steps})
        )
        types = MilestoneType.objects.in_bulk({s.milestone_type_id for s in steps})
        recorded = [s for s in steps if s.status]
        records = {
            (r.lead_id, r.milestone_type_id): r
            for r in LeadMilestone.objects.filter(
                tenant=self.tenant,
                lead_id__in={s.lead_id for s in recorded},
                milestone_type_id__in={s.milestone_type_id for s in recorded},
                status__in=OPEN_STATUSES,
            )
        }
        return [
            OverdueStep(
                lead=leads[s.lead_id],
                milestone_type=types[s.milestone_type_id],
                milestone=records.get((s.lead_id, s.milestone_type_id)),
                start_date=s.start_date,
                due_date=s.due_date,
                days_overdue=(self.today - s.due_date).days,
            )
            for s in steps
        ]
