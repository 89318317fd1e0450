"""Reads for segments: the one access selector, the list with member counts, the members of a
segment newest first, and a live preview of a condition for the builders. Counts and members
come from the stored membership table (index-only counts, an index walk for the first page);
only the preview evaluates a condition over the customer table."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from tenancy.access import one_or_404
from tenancy.models import Membership, Tenant

from ..conditions import compile_condition
from ..models import Customer, Segment, SegmentMembership

PREVIEW_SIZE = 10


def segments_visible_to(*, tenant: Tenant, membership: Membership | None = None) -> QuerySet:
    """Every member sees the tenant's segments, each with `customer_count`."""
    counts = (
        SegmentMembership.objects.filter(tenant=tenant, segment=OuterRef("pk"))
        .order_by()
        .values("segment")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Segment.objects.for_tenant(tenant).annotate(
        customer_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0)
    )


def segment_for(
    *,
    tenant: Tenant,
    membership: Membership | None,
    pk: object,
    queryset: QuerySet[Segment] | None = None,
) -> Segment:
    """The segment `pk` of the tenant, or Http404 (missing and another tenant's alike).
    `queryset` narrows the visible segments (the admin's own)."""
    visible = segments_visible_to(tenant=tenant, membership=membership)
    if queryset is not None:
        visible = visible.filter(pk__in=queryset.values("pk"))
    return one_or_404(visible, pk, what="segment")


def segment_customers(*, tenant: Tenant, segment: Segment) -> QuerySet[Customer]:
    """The segment's members, who entered last first (the (tenant, segment, since) index)."""
    return Customer.objects.filter(
        tenant=tenant,
        segment_memberships__tenant=tenant,
        segment_memberships__segment=segment,
    ).order_by("-segment_memberships__since", "-segment_memberships__customer_id")


def customers_in_segment(customers: QuerySet[Customer], segment: Segment) -> QuerySet[Customer]:
    """`customers` narrowed to the segment's stored members (the list filters)."""
    members = SegmentMembership.objects.filter(tenant=segment.tenant_id, segment=segment)
    return customers.filter(pk__in=members.values("customer_id"))


@dataclass(frozen=True)
class Preview:
    count: int
    customers: list[Customer]


def segment_preview(
    *, tenant: Tenant, conditions: Any, segment_id: int | None = None, field: str = "conditions"
) -> Preview:
    """How many customers a condition matches now, and the first PREVIEW_SIZE of them (newest
    first): the builders' live count. `segment_id`: the segment being edited (a reference back
    to it is a cycle). A bad condition is a ValidationError({field: […]})."""
    if segment_id is not None and not Segment.objects.for_tenant(tenant).filter(pk=segment_id):
        raise ValidationError({"segment": [f"Unknown segment {segment_id}."]})
    q = compile_condition(conditions, tenant=tenant, field=field, segment_id=segment_id)
    matched = Customer.objects.for_tenant(tenant).filter(q)
    return Preview(
        count=matched.count(),
        customers=list(matched.order_by("-created_at", "-id")[:PREVIEW_SIZE]),
    )


def segment_choices(*, tenant: Tenant) -> list[tuple[int, str]]:
    """(id, name) of the tenant's segments in their order: the builders' "in segment" list."""
    return list(
        Segment.objects.for_tenant(tenant).order_by("order", "name", "id").values_list("pk", "name")
    )
