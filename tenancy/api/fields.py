"""Serializer building blocks that take their choices from the request's tenant, so a client
can never point at another tenant's row."""

from collections.abc import Mapping

from django.core.validators import MaxValueValidator, MinValueValidator
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


# Integers the database can hold: an id or count beyond 64 bits is a 400 naming the field, not
# an overflow in the query.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def bound_integers(field) -> None:
    """Give every integer field (list and dict children included) the 64-bit range unless it
    has a narrower one of its own."""
    child = getattr(field, "child", None)
    if child is not None:
        bound_integers(child)
    if not isinstance(field, serializers.IntegerField):
        return
    if field.max_value is None:
        field.max_value = INT64_MAX
        message = field.error_messages["max_value"].format(max_value=INT64_MAX)
        field.validators.append(MaxValueValidator(INT64_MAX, message=message))
    if field.min_value is None:
        field.min_value = INT64_MIN
        message = field.error_messages["min_value"].format(min_value=INT64_MIN)
        field.validators.append(MinValueValidator(INT64_MIN, message=message))


class StrictFieldsMixin:
    """Refuse fields the serializer does not know instead of silently dropping them."""

    # Integers beyond 64 bits are refused too (bound_integers). NUL bytes never reach a
    # serializer: the parser refuses them.
    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            bound_integers(field)
        return fields

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


class Money(serializers.DecimalField):
    """An amount as a JSON number with two decimals (figures computed by selectors)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=None, decimal_places=2, coerce_to_string=False, **kwargs)


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice stored as "" when there is none, sent as null (the schema's enum has no "")."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, value):
        return super().to_representation(value) if value else None


def username_of(source: str, *, help_text: str = "Username of who acted; null for the system."):
    """Who did it, as their username (read-only; null when the system did)."""
    return serializers.CharField(
        source=f"{source}.username",
        default=None,
        read_only=True,
        allow_null=True,
        help_text=help_text,
    )
