"""A merge of duplicate customers into one: who was merged away (their ids and names, kept
here since the customers themselves are gone), which value of each differing field came from
whom, how much moved, who did it and when. Written by crm.services.merge; read by the timeline's
`merge` entries (crm.timeline.merges)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.models.tenants import TenantOwned

from .customers import Customer


class CustomerMerge(TenantOwned):
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="merges",
        help_text="The customer that was kept.",
    )
    # [{"id": 15, "name": "Ann Lee"}, …]: the customers merged into it (deleted since).
    merged = models.JSONField(default=list)
    # {"<field>": {"label": "Email", "from": 15}}: for each field whose values differed, the
    # customer whose value the kept one has now ("sum" for purchases added up).
    values = models.JSONField(default=dict)
    # {"notes": 3, "leads": 2, …}: what moved to the kept customer.
    moved = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-merged_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "customer", "merged_at"], name="customermerge_customer")
        ]

    def __str__(self) -> str:
        names = ", ".join(f"{m['name']} (#{m['id']})" for m in self.merged)
        return f"{names} → #{self.customer_id}"
