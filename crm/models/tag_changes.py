"""What happened to a customer's tags: each tag added or removed, by whom and when (the
timeline's tag_added and tag_removed entries). Written by crm.services.tags and, for the
changes a smart-tag rule makes, crm.services.tag_rules."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.models.tenants import TenantOwned

from .customers import Customer, covered_tenant


class CustomerTagChange(TenantOwned):
    # Append-only rows written next to the customer they name (in the same transaction), so
    # the tenant and customer keys have no database constraint: an import wrote 200,000 of
    # these rows and the commit checked both keys of each. Django's on_delete still cascades
    # (the ORM deletes a customer's or a tenant's tag changes with it); only raw SQL deleting
    # customers would leave rows behind, and nothing does. docs/architecture.md, "Foreign
    # keys without a constraint".
    tenant = covered_tenant(constraint=False)  # tagchange_customer leads with it
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="tag_changes", db_constraint=False
    )
    # The name, not a key: the record outlives the tag (a deleted tag's history stays readable).
    tag_name = models.CharField(max_length=50)
    added = models.BooleanField(help_text="Added (true) or removed (false).")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    # Set when a smart-tag rule made the change (for the customer change of `changed_by`).
    rule = models.ForeignKey(
        "crm.SmartTagRule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tag_changes",
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "customer", "changed_at"], name="tagchange_customer")
        ]

    def __str__(self) -> str:
        return f"{'+' if self.added else '-'}{self.tag_name}"
