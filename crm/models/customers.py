"""Customers (seed 002): core fields, CRM metadata, tags, and the 90 typed slot columns that
tenants map their own fields to (customfields.FieldDefinition), plus JSON for overflow."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from customfields.indexing import slot_indexes
from tenancy.models.tenants import TenantOwned
from tenancy.validators import CUSTOMER_DESCRIPTION_MAX_LENGTH, capped_text_field

from ..validators import normalize_phone, validate_phone
from .leads import Tag

# How many slot columns each field type has: custom_text_1..30, custom_number_1..15, …
SLOT_LAYOUT = {
    "text": 30,
    "number": 15,
    "date": 10,
    "boolean": 10,
    "email": 5,
    "phone": 5,
    "url": 5,
    "select": 10,
}


def slot_names(field_type: str) -> list[str]:
    return [f"custom_{field_type}_{n}" for n in range(1, SLOT_LAYOUT[field_type] + 1)]


ALL_SLOTS = [name for field_type in SLOT_LAYOUT for name in slot_names(field_type)]


def _slot_field(field_type: str) -> models.Field:
    """The column for one slot; values are validated by customfields' value service."""
    if field_type == "number":
        return models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    if field_type == "date":
        return models.DateField(null=True, blank=True)
    if field_type == "boolean":
        return models.BooleanField(null=True, blank=True)
    length = {"text": 500, "email": 254, "phone": 32, "url": 500, "select": 200}[field_type]
    return models.CharField(max_length=length, null=True, blank=True)


class Customer(TenantOwned):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=32, blank=True, validators=[validate_phone])
    company = models.CharField(max_length=200, blank=True)
    description = capped_text_field(CUSTOMER_DESCRIPTION_MAX_LENGTH, blank=True)
    tags = models.ManyToManyField(Tag, through="CustomerTag", blank=True, related_name="customers")

    # CRM metadata (seed 002)
    crm_score = models.IntegerField(default=0)
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    total_interactions = models.PositiveIntegerField(default=0)
    total_purchases = models.PositiveIntegerField(default=0)
    total_spent = models.DecimalField(
        max_digits=20, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )

    # Values of custom fields that found no free slot of their type, keyed by field_key.
    custom_fields_extra = models.JSONField(default=dict, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "created_at", "id"], name="customer_tenant_created"),
            models.Index(fields=["tenant", "email"], name="customer_tenant_email"),
            models.Index(fields=["tenant", "crm_score"], name="customer_tenant_score"),
            models.Index(fields=["tenant", "last_contacted_at"], name="customer_tenant_contacted"),
            # Partial (tenant, slot) indexes on the filterable slot types: customfields.indexing.
            *slot_indexes(SLOT_LAYOUT),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("crm:customer-detail", args=[self.pk])

    def clean(self) -> None:
        if self.phone:
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError as exc:
                raise ValidationError({"phone": exc.messages}) from None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def tag_names(self) -> list[str]:
        return sorted(tag.name for tag in self.tags.all())


# The 90 slots, generated rather than written out 90 times.
for _type in SLOT_LAYOUT:
    for _name in slot_names(_type):
        Customer.add_to_class(_name, _slot_field(_type))


class CustomerTag(TenantOwned):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="customer_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="customer_tags")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "customer", "tag"], name="customertag_unique")
        ]
        indexes = [models.Index(fields=["tenant", "tag"], name="customertag_tenant_tag")]
