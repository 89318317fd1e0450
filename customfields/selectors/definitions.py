"""Reads of a tenant's field definitions: which the member sees, and the one access selector."""

from django.db.models import QuerySet
from django.http import Http404

from tenancy.models import Membership, Tenant

from ..models import FieldDefinition


def definitions_visible_to(*, tenant: Tenant, membership: Membership) -> QuerySet[FieldDefinition]:
    """Every member of the tenant sees all its fields, active or not (only admins change them)."""
    return FieldDefinition.objects.for_tenant(tenant)


def definition_for(
    *,
    tenant: Tenant,
    membership: Membership,
    key: object,
    queryset: QuerySet[FieldDefinition] | None = None,
) -> FieldDefinition:
    """The field whose key is `key`, or Http404 — the same for a missing key, another tenant's
    field and a deleted one (fields are addressed by key, not by id). `queryset` narrows or
    loads more of the visible fields; it is always intersected with them."""
    visible = definitions_visible_to(tenant=tenant, membership=membership)
    if not isinstance(key, str) or not key:
        raise Http404("No such field.")
    found = (visible if queryset is None else queryset & visible).filter(field_key=key).first()
    if found is None:
        raise Http404("No such field.")
    return found
