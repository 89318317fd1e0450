"""Tenants, memberships and the base every tenant-owned model stands on."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

# The 20 industries a tenant can choose; each may have an industry template of customer fields
# (customfields.IndustryFieldTemplate).
INDUSTRY_CHOICES = [
    ("retail", "Retail"),
    ("ecommerce", "E-commerce"),
    ("restaurant", "Restaurant"),
    ("healthcare", "Healthcare"),
    ("education", "Education"),
    ("technology", "Technology"),
    ("finance", "Finance"),
    ("real_estate", "Real Estate"),
    ("travel", "Travel & Tourism"),
    ("beauty", "Beauty & Wellness"),
    ("fitness", "Fitness & Sports"),
    ("automotive", "Automotive"),
    ("consulting", "Consulting"),
    ("legal", "Legal Services"),
    ("nonprofit", "Non-profit"),
    ("manufacturing", "Manufacturing"),
    ("agriculture", "Agriculture"),
    ("entertainment", "Entertainment"),
    ("media", "Media & Publishing"),
    ("other", "Other"),
]


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown time zone '{value}'.")


def validate_currency(value: str) -> None:
    if len(value) != 3 or not value.isalpha() or not value.isupper():
        raise ValidationError("Use a three-letter ISO 4217 code such as USD.")


class Tenant(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=63, unique=True)
    industry = models.CharField(max_length=32, choices=INDUSTRY_CHOICES, default="other")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    AGENT = "agent", "Agent"


class Membership(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user")
        ]
        ordering = ["tenant", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) in {self.tenant}"

    @property
    def can_manage(self) -> bool:
        """Managers and admins see and assign everything in the tenant."""
        return self.role in (Role.ADMIN, Role.MANAGER)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @classmethod
    def is_active_member(cls, *, tenant_id: int, user_id: int) -> bool:
        """Whether the user may be given work in the tenant (a lead, a task …)."""
        return cls.objects.filter(tenant_id=tenant_id, user_id=user_id, is_active=True).exists()


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant: Tenant) -> "TenantQuerySet":
        return self.filter(tenant=tenant)


class TenantOwned(models.Model):
    """Base of every tenant-owned model: an indexed tenant key and `.for_tenant()`."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, db_index=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
