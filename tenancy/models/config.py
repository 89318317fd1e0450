"""Code-addressed configuration: the shape shared by lead sources, channels, milestone types and
templates and the campaign catalogue. The rules that go with it (code unique per tenant among
live rows, at most one entry holding the tenant's flag, soft delete) are enforced by
tenancy.services.config_entries."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from ..validators import DESCRIPTION_MAX_LENGTH, capped_text_field
from .tenants import TenantOwned, TenantQuerySet

code_validator = RegexValidator(
    r"^[A-Z0-9_]+$", "Use upper-case letters, digits and underscores only (e.g. GOOGLE_ADS)."
)
color_validator = RegexValidator(r"^#[0-9A-Fa-f]{6}$", "Use a colour like #3498db.")


class LiveQuerySet(TenantQuerySet):
    def live(self) -> "LiveQuerySet":
        """Rows not soft-deleted (active or not)."""
        return self.filter(deleted_at__isnull=True)


class ConfigEntry(TenantOwned):
    """Order, active flag, soft delete. A model whose tenant has one distinguished entry (the
    default source, the initial status) names its flag field in `flag_field`; the flag is moved,
    never unset, by the service, and the database's partial unique constraint backs it."""

    flag_field: str | None = None

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

    def validate_constraints(self, exclude=None):
        # The service moves the flag from the old holder to the new one as it saves, so checking
        # "one flag per tenant" before saving would refuse every switch.
        if self.flag_field:
            exclude = {*(exclude or ()), self.flag_field}
        super().validate_constraints(exclude=exclude)
