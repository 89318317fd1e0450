"""Helpers for the form builder page tests: field definitions through the service, the tenant's
keys in order, the field form as the page submits it, and every builder request that would
change something."""

from django.urls import reverse

from customfields.models import FieldDefinition
from customfields.services.definitions import definition_create
from tenancy.actors import OPERATOR


def define(tenant, key, label, field_type="text", **extra):
    data = {"field_key": key, "field_label": label, "field_type": field_type, **extra}
    return definition_create(tenant=tenant, by=OPERATOR, data=data)


def keys(tenant) -> list[str]:
    return list(FieldDefinition.objects.for_tenant(tenant).values_list("field_key", flat=True))


def field_data(**fields) -> dict:
    """The field form as the page submits it."""
    return {"field_type": "text", "is_active": "on", **fields}


def list_url() -> str:
    return reverse("customfields:field-list")


def builder_requests(key: str) -> list[tuple[str, str, dict]]:
    """Every builder URL with a method and a body that would change something."""
    return [
        ("get", list_url(), {}),
        ("get", reverse("customfields:field-create"), {}),
        ("post", reverse("customfields:field-create"), field_data(field_key="x", field_label="X")),
        ("post", reverse("customfields:field-preview"), field_data(field_key="x", field_label="X")),
        ("post", reverse("customfields:field-reorder"), {"keys": [key]}),
        ("post", reverse("customfields:apply-template"), {"industry": "retail"}),
        ("get", reverse("customfields:field-edit", args=[key]), {}),
        ("post", reverse("customfields:field-edit", args=[key]), field_data(field_label="Y")),
        ("post", reverse("customfields:field-preview", args=[key]), field_data(field_label="Y")),
        ("post", reverse("customfields:field-active", args=[key]), {"active": "0"}),
        ("post", reverse("customfields:field-move", args=[key]), {"direction": "down"}),
        ("get", reverse("customfields:field-delete", args=[key]), {}),
        ("post", reverse("customfields:field-delete", args=[key]), {}),
    ]
