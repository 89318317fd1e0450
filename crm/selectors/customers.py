"""Reads for customers: which the member sees, and the one access selector."""

from django.db.models import QuerySet

from tenancy.access import one_or_404
from tenancy.models import Membership, Tenant

from ..models import Customer


def customers_visible_to(*, tenant: Tenant, membership: Membership) -> QuerySet[Customer]:
    """Every member of the tenant sees its customers (leads, not customers, are per agent)."""
    return Customer.objects.for_tenant(tenant)


def customer_for(
    *,
    tenant: Tenant,
    membership: Membership,
    pk: object,
    queryset: QuerySet[Customer] | None = None,
) -> Customer:
    """The customer `pk`, or Http404 (the same for a missing customer and another tenant's).
    `queryset` narrows or loads more of the visible customers; it is always intersected with
    them."""
    visible = customers_visible_to(tenant=tenant, membership=membership)
    return one_or_404(visible if queryset is None else queryset & visible, pk, what="customer")
