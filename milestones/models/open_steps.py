"""The open steps of open leads, kept as rows: a projection of milestones.selectors.open_steps
(ARCHITECTURE rule 6 allows one only with an equality test: tests/milestones/test_projection.py
applies random changes through the services and compares it with the full computation).

Written by milestones.services.projection in the transaction of every change that can move a
step (a lead created, its status changed, archived, restored, imported; a milestone recorded,
moved, edited, removed; a lead's template, a template's steps, the default template, a type's
SLA, the tenant's time zone); `manage.py rebuild_next_steps` recomputes it."""

from django.db import models

from crm.models import Lead
from tenancy.models import Tenant, TenantOwned

from .lead_milestones import MilestoneStatus
from .types import MilestoneType


class LeadOpenStep(TenantOwned):
    """One open step of an open lead (neither archived, WON nor LOST): its next expected
    template step (`is_expected`, recorded or not) and each open record (pending, in progress).
    A lead has one live record of a type at most, so (lead, type) names a step; an expected step
    that is recorded is one row with the record's status."""

    # No index of its own: the others lead with it. Alone, it was the planner's pick for the
    # overdue count (a scan of the table's pages, ~40 ms at 70,000 rows).
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, db_index=False)
    # Indexed alone too: deleting leads (an import undone) deletes their rows by lead.
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    milestone_type = models.ForeignKey(
        MilestoneType, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The open record's status; blank for an expected step not recorded yet.
    status = models.CharField(
        max_length=16,
        blank=True,
        choices=[(MilestoneStatus.PENDING.value, MilestoneStatus.PENDING.label)]
        + [(MilestoneStatus.IN_PROGRESS.value, MilestoneStatus.IN_PROGRESS.label)],
    )
    is_expected = models.BooleanField()
    position = models.PositiveSmallIntegerField(null=True)  # in the lead's template, if expected
    start_date = models.DateField()
    due_date = models.DateField(null=True)  # None when the type has no SLA

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "lead", "milestone_type"], name="leadopenstep_one_per_type"
            ),
        ]
        indexes = [
            # The overdue list: a range of due days in the order it shows them, read without
            # the table (the count, and the steps of a page however deep its offset).
            models.Index(
                fields=["tenant", "due_date", "lead", "milestone_type"],
                include=["status", "start_date"],
                name="leadopenstep_due",
            ),
            # The overdue count: its equal (tenant, day) keys deduplicate into a few pages, a
            # third of what counting on the wide index above reads (and the planner took a
            # table scan over that one).
            models.Index(fields=["tenant", "due_date"], name="leadopenstep_count"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.milestone_type_id} due {self.due_date}"
