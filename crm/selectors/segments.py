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
    with_count: bool = True,
) -> Segment:
    """The segment `pk` of the tenant, or Http404 (missing and another tenant's alike).
    `queryset` narrows the visible segments (the admin's own). `with_count=False` leaves out
    `customer_count` (its members' list counts them itself: one count, not two)."""
    visible = (
        segments_visible_to(tenant=tenant, membership=membership)
        if with_count
        else Segment.objects.for_tenant(tenant)
    )
    if queryset is not None:
        visible = visible.filter(pk__in=queryset.values("pk"))
    return one_or_404(visible, pk, what="segment")


class SegmentMembers(QuerySet):
    """One segment's members (`segment_customers`). While nothing else narrows them, `count()`
    is the index-only count of the memberships instead of a count over their join with the
    customers (the same number: a membership's customer is the tenant's, and goes with it) —
    230 ms against ~20 ms for 150,000 members, and the API's paginator counts every page."""

    _members_of: tuple[Tenant, Segment, Any] | None = None

    def _clone(self):
        clone = super()._clone()
        clone._members_of = self._members_of
        return clone

    def count(self) -> int:
        if self._members_of is not None and self._result_cache is None:
            tenant, segment, where = self._members_of
            query = self.query
            if query.where == where and not query.is_sliced and not query.distinct:
                return SegmentMembership.objects.filter(tenant=tenant, segment=segment).count()
        return super().count()


def segment_customers(*, tenant: Tenant, segment: Segment) -> QuerySet[Customer]:
    """The segment's members, who entered last first (the (tenant, segment, since) index)."""
    members = SegmentMembers(model=Customer).filter(
        tenant=tenant,
        segment_memberships__tenant=tenant,
        segment_memberships__segment=segment,
    )
    members._members_of = (tenant, segment, members.query.where.clone())
    return members.order_by("-segment_memberships__since", "-segment_memberships__customer_id")


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
