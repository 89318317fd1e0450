"""Per-tenant customer field definitions (each maps a field key to one slot column of the host
model), their history, and the industry templates new tenants start from."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenancy.models import INDUSTRY_CHOICES, TenantOwned
from tenancy.validators import FIELD_VALUE_MAX_LENGTH, capped_text_field


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    BOOLEAN = "boolean", "Yes / No"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    URL = "url", "URL"
    SELECT = "select", "Select (dropdown)"


key_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*$",
    "Use lower-case letters, digits and underscores, starting with a letter (e.g. loyalty_points).",
)


class FieldShape(models.Model):
    """What a field is, shared by tenants' definitions and the industry templates."""

    field_key = models.CharField(max_length=64, validators=[key_validator])
    field_label = models.CharField(max_length=200)
    field_type = models.CharField(max_length=16, choices=FieldType.choices)
    is_required = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    validation_rules = models.JSONField(default=dict, blank=True)
    select_options = models.JSONField(default=list, blank=True)
    help_text = models.CharField(max_length=500, blank=True)
    placeholder = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True


class FieldDefinition(FieldShape, TenantOwned):
    """A tenant's customer field, stored in one slot column of its type (`mapped_field_name`)
    of the host model, or in its `custom_fields_extra` when every slot of the type is taken."""

    mapped_field_name = models.CharField(max_length=32, null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "field_key"],
                name="fielddefinition_unique_key",
                violation_error_message="A field with this key already exists.",
            ),
            # A slot is unique per tenant, not globally: the same slot holds different fields
            # for different tenants.
            models.UniqueConstraint(
                fields=["tenant", "mapped_field_name"],
                condition=Q(mapped_field_name__isnull=False),
                name="fielddefinition_unique_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field_label} ({self.field_key})"

    @property
    def in_slot(self) -> bool:
        return self.mapped_field_name is not None

    @property
    def storage(self) -> str:
        return self.mapped_field_name or f"custom_fields_extra.{self.field_key}"


class FieldHistory(TenantOwned):
    """Every change of a custom value: old, new, who, when and why."""

    customer = models.ForeignKey(
        settings.CUSTOMFIELDS_HOST_MODEL, on_delete=models.CASCADE, related_name="field_history"
    )
    definition = models.ForeignKey(
        FieldDefinition, null=True, blank=True, on_delete=models.SET_NULL, related_name="history"
    )
    field_key = models.CharField(max_length=64)
    field_label = models.CharField(max_length=200)
    old_value = capped_text_field(FIELD_VALUE_MAX_LENGTH, null=True, blank=True)
    new_value = capped_text_field(FIELD_VALUE_MAX_LENGTH, null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "customer", "changed_at"], name="fieldhistory_customer")
        ]
        verbose_name_plural = "field history"

    def __str__(self) -> str:
        return f"{self.field_label}: {self.old_value} → {self.new_value}"


class IndustryFieldTemplate(FieldShape):
    """A field every tenant of an industry is offered; the same for all tenants, loaded by a
    data migration from customfields.industry_data."""

    industry = models.CharField(max_length=32, choices=INDUSTRY_CHOICES)

    class Meta:
        ordering = ["industry", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["industry", "field_key"], name="industrytemplate_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_industry_display()} — {self.field_label}"


class FieldPairIndex(TenantOwned):
    """An index on two of a tenant's slot fields together, made on request for a filter the
    tenant runs often (`cf_a = x AND cf_b >= y`): the capped count then reads the index alone
    instead of checking one slot on every row the other slot's index gives. Partial on the
    tenant, so it costs only that tenant's filled rows. Made and dropped by
    customfields.services.pair_indexes; the slots are those the fields held when it was built."""

    first = models.ForeignKey(FieldDefinition, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(FieldDefinition, on_delete=models.CASCADE, related_name="+")
    first_slot = models.CharField(max_length=32)
    second_slot = models.CharField(max_length=32)
    index_name = models.CharField(max_length=63, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "first", "second"], name="fieldpair_unique")
        ]
        verbose_name = "two-field index"
        verbose_name_plural = "two-field indexes"

    def __str__(self) -> str:
        return f"{self.index_name} ({self.first_slot}, {self.second_slot})"
