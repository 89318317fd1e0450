"""The overdue list: open steps past their due day, oldest first. Definitions: docs/metrics.md
("Milestones"). It reads the open steps kept as rows (LeadOpenStep, equal to the computation of
selectors/open_steps.py), so a page is a range scan of their (tenant, due day) index."""

from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils.functional import cached_property

from crm.models import Lead
from crm.selectors.leads import leads_visible_to
from tenancy.models import Membership, Tenant

from ..models import OPEN_STATUSES, LeadMilestone, LeadOpenStep, MilestoneType
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


@contextmanager
def serial(using: str):
    """Statements run without parallel workers (PostgreSQL; elsewhere nothing changes). An
    agent's overdue count and page join every overdue step of the tenant to the agent's leads,
    and PostgreSQL plans both with two parallel workers, whose start costs more than the join:
    49-61 ms of SQL against 22-28 serial on the bench (docs/benchmarks.md, "The agent's overdue
    list"). Inside a request's own transaction the setting lasts to its end: serial plans."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


class OverdueSteps:
    """The open steps of the open leads among `leads` (neither archived, WON nor LOST; None: every
    lead of the tenant) whose due day is before today, oldest due first (then by lead and type):
    open records, and next expected steps not recorded yet. Sized and sliced like a list, for a
    paginator: the count and each page are one query on the index, and only the page asked for
    is turned into objects. Narrowed to some leads, they are read serially (`serial`)."""

    def __init__(self, *, tenant: Tenant, leads: QuerySet[Lead] | None, now: datetime):
        self.tenant = tenant
        self.today = local_today(tenant, now)
        rows = LeadOpenStep.objects.filter(tenant=tenant, due_date__lt=self.today)
        if leads is not None:
            rows = rows.filter(lead__in=leads.filter(tenant=tenant).values("pk"))
        self.rows = rows.order_by("due_date", "lead_id", "milestone_type_id")
        self.narrowed = leads is not None

    def _reading(self):
        return serial(self.rows.db) if self.narrowed else nullcontext()

    @cached_property
    def _count(self) -> int:
        with self._reading():
            return self.rows.count()

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: slice) -> list[OverdueStep]:
        if not isinstance(key, slice):
            raise TypeError("Take a slice: overdue[start:stop].")
        with self._reading():
            steps = list(
                self.rows.values_list(
                    "lead_id", "milestone_type_id", "status", "start_date", "due_date"
                )[key]
            )
        leads = (
            Lead.objects.select_related("assigned_to")
            .only("tenant_id", "first_name", "last_name", "assigned_to__username")
            .in_bulk({lead_id for lead_id, *_ in steps})
        )
        types = MilestoneType.objects.in_bulk({type_id for _, type_id, *_ in steps})
        recorded = [(lead_id, type_id) for lead_id, type_id, status, *_ in steps if status]
        records = {
            (r.lead_id, r.milestone_type_id): r
            for r in LeadMilestone.objects.filter(
                tenant=self.tenant,
                lead_id__in={lead_id for lead_id, _ in recorded},
                milestone_type_id__in={type_id for _, type_id in recorded},
                status__in=OPEN_STATUSES,
            )
        }
        return [
            OverdueStep(
                lead=leads[lead_id],
                milestone_type=types[type_id],
                milestone=records.get((lead_id, type_id)),
                start_date=start,
                due_date=due,
                days_overdue=(self.today - due).days,
            )
            for lead_id, type_id, _, start, due in steps
        ]


def overdue_steps_for(*, tenant: Tenant, membership: Membership, now: datetime) -> OverdueSteps:
    """The overdue steps of the leads `membership` may see: a manager's and an admin's are the
    tenant's (no lead filter), an agent's those of their leads and the unassigned ones."""
    leads = (
        None if membership.can_manage else leads_visible_to(tenant=tenant, membership=membership)
    )
    return OverdueSteps(tenant=tenant, leads=leads, now=now)
