"""Lead sources, sub-sources and channels (seed 000 §1), addressed by code."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenancy.models.tenants import TenantOwned, TenantQuerySet
from tenancy.validators import DESCRIPTION_MAX_LENGTH, capped_text_field

code_validator = RegexValidator(
    r"^[A-Z0-9_]+$", "Use upper-case letters, digits and underscores only (e.g. GOOGLE_ADS)."
)
color_validator = RegexValidator(r"^#[0-9A-Fa-f]{6}$", "Use a colour like #3498db.")


class LiveQuerySet(TenantQuerySet):
    def live(self) -> "LiveQuerySet":
        """Rows not soft-deleted (active or not)."""
        return self.filter(deleted_at__isnull=True)


class ConfigEntry(TenantOwned):
    """Shared shape of code-addressed configuration: order, active flag, soft delete."""

    description = capped_text_field(DESCRIPTION_MAX_LENGTH, blank=True)
    display_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = LiveQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def mark_deleted(self) -> None:
        self.deleted_at = timezone.now()
        self.is_active = False


class SourceType(models.TextChoices):
    WEBSITE = "website", "Website"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    REFERRAL = "referral", "Referral"
    EVENT = "event", "Event"
    SOCIAL = "social", "Social"
    DIRECT = "direct", "Direct"
    PARTNER = "partner", "Partner"
    IMPORT = "import", "Import"


class LeadSource(ConfigEntry):
    source_code = models.CharField(max_length=50, validators=[code_validator])
    source_name = models.CharField(max_length=100)
    source_type = models.CharField(
        max_length=20, choices=SourceType.choices, default=SourceType.WEBSITE
    )
    icon = models.CharField(max_length=50, blank=True)
    color_hex = models.CharField(max_length=7, blank=True, validators=[color_validator])
    is_default = models.BooleanField(default=False)
    score_bonus = models.SmallIntegerField(
        default=0, help_text="Points added to a new lead's auto-score when it comes from here."
    )

    class Meta:
        ordering = ["display_order", "source_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "source_code"],
                condition=Q(deleted_at__isnull=True),
                name="leadsource_code_unique_live",
                violation_error_message="A lead source with this code already exists.",
            ),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(is_default=True, deleted_at__isnull=True),
                name="leadsource_one_default",
                violation_error_message="Only one lead source can be the default.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.source_code})"

    def clean(self) -> None:
        if self.is_default and not self.is_active:
            raise ValidationError({"is_active": ["The default source cannot be inactive."]})
        if (
            self.pk
            and not self.is_default
            and LeadSource.objects.filter(pk=self.pk, is_default=True).exists()
        ):
            raise ValidationError(
                {"is_default": ["Make another source the default instead of unsetting this one."]}
            )

    def validate_constraints(self, exclude=None):
        # One default per tenant: the services move the flag from the old default to the new one
        # when they save, so the check before saving would refuse every switch. The database
        # constraint still guards against two defaults.
        super().validate_constraints(exclude={*(exclude or ()), "is_default"})


class LeadSubSource(ConfigEntry):
    source = models.ForeignKey(LeadSource, on_delete=models.CASCADE, related_name="sub_sources")
    sub_source_code = models.CharField(max_length=50, validators=[code_validator])
    sub_source_name = models.CharField(max_length=100)
    icon = models.CharField(max_length=50, blank=True)
    cost_per_lead = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    total_cost = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["display_order", "sub_source_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "source", "sub_source_code"],
                condition=Q(deleted_at__isnull=True),
                name="leadsubsource_code_unique_live",
                violation_error_message="This source already has a sub-source with this code.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sub_source_name} ({self.source.source_code}/{self.sub_source_code})"


class LeadChannel(ConfigEntry):
    channel_code = models.CharField(max_length=50, validators=[code_validator])
    channel_name = models.CharField(max_length=100)

    class Meta:
        ordering = ["display_order", "channel_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "channel_code"],
                condition=Q(deleted_at__isnull=True),
                name="leadchannel_code_unique_live",
                violation_error_message="A channel with this code already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_name} ({self.channel_code})"
