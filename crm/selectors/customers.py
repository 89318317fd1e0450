"""Reads for customers: which the member sees, the one access selector, and the one translation
of an ordering that may name custom fields (`cf_<key>`), for the list page and the API alike."""

from collections.abc import Collection, Iterable, Mapping, Sequence

from django.db.models import QuerySet

from customfields.models import FieldDefinition
from customfields.selectors.query import (
    PREFIX,
    ValuesThenEmpty,
    custom_field_ordering,
    order_by_custom_field,
)
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


def customer_columns(core: Iterable[str], definitions: Iterable[FieldDefinition]) -> list[str]:
    """The columns a list of customers reads, for `only()`: `core` and the slots of the custom
    fields it shows (the JSON overflow when one of them lives there) — not the other slots of
    the 90, nor search_text."""
    definitions = list(definitions)
    slots = [d.mapped_field_name for d in definitions if d.in_slot]
    extra = ["custom_fields_extra"] if any(not d.in_slot for d in definitions) else []
    return ["id", *core, *slots, *extra]


def customers_ordered(
    customers: QuerySet[Customer],
    ordering: Sequence[str],
    *,
    definitions: Mapping[str, FieldDefinition],
    filtered: Collection[str] = frozenset(),
) -> "QuerySet[Customer] | ValuesThenEmpty":
    """`customers` in `ordering`: names already checked by the caller, each a core field or
    `cf_<key>` of one of `definitions`, `-` for descending. A custom field orders by its slot
    column (or its JSON key), values first and empty last whichever the direction; led by one,
    the slot's index serves the order (`order_by_custom_field`). `filtered`: the keys the list
    is filtered on (they have no empty values to place last)."""
    expressions = []
    for name in ordering:
        key = name.removeprefix("-")
        if key.startswith(PREFIX):
            field_key = key.removeprefix(PREFIX)
            expressions.append(
                custom_field_ordering(
                    definitions[field_key],
                    descending=name.startswith("-"),
                    filtered=field_key in filtered,
                )
            )
        else:
            expressions.append(name)
    first = ordering[0] if ordering else ""
    if first.removeprefix("-").startswith(PREFIX):
        field_key = first.removeprefix("-").removeprefix(PREFIX)
        return order_by_custom_field(
            customers,
            definitions[field_key],
            descending=first.startswith("-"),
            filtered=field_key in filtered,
            then=expressions[1:],
        )
    return customers.order_by(*expressions)
