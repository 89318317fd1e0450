"""Serializer building blocks that take their choices from the request's tenant, so a client
can never point at another tenant's row."""

from collections.abc import Mapping

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from ..selectors import members_of


class TenantCodeField(serializers.SlugRelatedField):
    """A related config entry addressed by its code among the tenant's live rows."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault(
            "error_messages",
            {"does_not_exist": f"Unknown {model._meta.verbose_name} '{{value}}'."},
        )
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.for_tenant(self.context["tenant"]).live()


class TenantMemberField(serializers.PrimaryKeyRelatedField):
    """A user who is an active member of the request's tenant."""

    default_error_messages = {"does_not_exist": "Not an active member of this tenant."}

    def get_queryset(self):
        return members_of(self.context["tenant"])


class StrictFieldsMixin:
    """Refuse fields the serializer does not know instead of silently dropping them."""

    def to_internal_value(self, data):
        errors = {}
        if isinstance(data, Mapping):
            errors = {name: ["Unknown field."] for name in sorted(set(data) - set(self.fields))}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors.update(exc.detail)
        if errors:
            raise serializers.ValidationError(errors)
        return value


class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """A related row of the request's tenant, by id."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault(
            "error_messages",
            {"does_not_exist": f"Unknown {model._meta.verbose_name} {{pk_value}}."},
        )
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.for_tenant(self.context["tenant"])


class TenantFieldSchema(OpenApiSerializerFieldExtension):
    """The schema of a TenantCodeField / TenantRelatedField: the type of the code field (or the
    primary key) of the model it points at, as for any slug or primary key relation."""

    target_class = "tenancy.api.fields.TenantCodeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        if isinstance(field, serializers.SlugRelatedField):
            code = field.model._meta.get_field(field.slug_field)
            schema = auto_schema._map_model_field(code, direction)
            auto_schema._insert_field_validators(code, schema)  # the code's length and pattern
            return schema
        schema = auto_schema._map_model_field(field.model._meta.pk, direction)
        schema.pop("readOnly", None)  # a relation is written even when its target key is not
        return {key: schema[key] for key in ("type", "format") if key in schema}


class TenantRelatedFieldSchema(TenantFieldSchema):
    target_class = "tenancy.api.fields.TenantRelatedField"
