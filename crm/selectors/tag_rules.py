"""Reads for smart-tag rules: which the member sees (every member sees the tenant's rules;
admins and managers write them) and the one access selector."""

from django.db.models import QuerySet

from tenancy.access import one_or_404
from tenancy.models import Membership, Tenant

from ..models import SmartTagRule


def tag_rules_visible_to(*, tenant: Tenant, membership: Membership) -> QuerySet[SmartTagRule]:
    return SmartTagRule.objects.for_tenant(tenant).select_related("tag")


def tag_rule_for(
    *,
    tenant: Tenant,
    membership: Membership,
    pk: object,
    queryset: QuerySet[SmartTagRule] | None = None,
) -> SmartTagRule:
    """The rule `pk`, or Http404 (the same for a missing rule and another tenant's)."""
    visible = tag_rules_visible_to(tenant=tenant, membership=membership)
    return one_or_404(visible if queryset is None else queryset & visible, pk, what="rule")
