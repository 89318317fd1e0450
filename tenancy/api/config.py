"""The API base for code-addressed configuration (tenancy.services.config_entries): everyone
reads, tenant admins write, DELETE is soft, `POST …/{code}/deactivate/` deactivates."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from ..scoping import TenantModelViewSet
from ..services.config_entries import (
    CONFIG_WRITE_ROLES,
    ConfigSpec,
    config_entry_create,
    config_entry_deactivate,
    config_entry_delete,
    config_entry_update,
)

CODE_REGEX = "[A-Z0-9_]+"
TIMESTAMPS = ("created_at", "updated_at")


def serializer_fields(spec: ConfigSpec, *extra: str) -> list[str]:
    """A config serializer's fields: the spec's writable fields, then `extra` read-only ones,
    then the timestamps."""
    return [*spec.fields, *extra, *TIMESTAMPS]


class ConfigViewSet(TenantModelViewSet):
    """Subclasses set `spec` and the usual queryset, serializer and lookup field; a nested
    route overrides `parents()` with the foreign keys its URL names."""

    spec: ConfigSpec
    write_roles = CONFIG_WRITE_ROLES
    lookup_value_regex = CODE_REGEX
    filterset_fields = ["is_active"]
    ordering_fields = ["display_order", "created_at"]
    ordering = ["display_order"]

    def get_queryset(self):
        return super().get_queryset().live()

    def parents(self) -> dict:
        return {}

    def reload(self, obj):
        return self.get_queryset().get(pk=obj.pk)

    def create_entry(self, data):
        return config_entry_create(
            self.spec, tenant=self.tenant, data=data, by=self.membership, **self.parents()
        )

    def update_entry(self, entry, data):
        return config_entry_update(entry, data=data, by=self.membership)

    def perform_create(self, serializer):
        serializer.instance = self.reload(self.create_entry(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = self.reload(
            self.update_entry(serializer.instance, serializer.validated_data)
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, **kwargs):
        config_entry_deactivate(self.get_object(), by=self.membership)
        return Response(self.get_serializer(self.reload(self.get_object())).data)

    def perform_destroy(self, instance):
        config_entry_delete(instance, by=self.membership)
