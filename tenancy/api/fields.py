"""Serializer building blocks that take their choices from the request's tenant, so a client
can never point at another tenant's row."""

from collections.abc import Mapping

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
