"""The tenant's callback settings (priority weights, thresholds, SLA hours, attempts, business
hours) and its holidays: written by its admins (a superuser acts as one)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from tenancy.models import Membership, Tenant
from tenancy.services.common import assign_fields, reverted_on_refusal, save_validated

from ..models import BusinessHoliday, CallbackSettings
from ..rules import check_configures

SETTINGS_FIELDS = tuple(
    field.name
    for field in CallbackSettings._meta.fields
    if field.editable and field.name not in ("id", "tenant")
)
HOLIDAY_FIELDS = ("date", "name")


def callback_settings_ensure(tenant: Tenant) -> CallbackSettings:
    """The tenant's settings, created with the defaults on first use. Called by the request
    writes, which have checked their own actor: it writes nothing but the defaults."""
    settings, _ = CallbackSettings.objects.get_or_create(tenant=tenant)
    return settings


@transaction.atomic
def callback_settings_create(
    *, tenant: Tenant, by: Membership, data: dict[str, Any]
) -> CallbackSettings:
    check_configures(by, tenant)
    if CallbackSettings.objects.filter(tenant=tenant).exists():
        raise ValidationError({"detail": ["This tenant has its callback settings; edit them."]})
    settings = CallbackSettings(tenant=tenant)
    assign_fields(settings, data, allowed=SETTINGS_FIELDS)
    save_validated(settings)
    return settings


@transaction.atomic
def callback_settings_update(
    *, settings: CallbackSettings, by: Membership, data: dict[str, Any]
) -> CallbackSettings:
    check_configures(by, settings.tenant)
    assign_fields(settings, data, allowed=SETTINGS_FIELDS)
    with reverted_on_refusal(settings):
        save_validated(settings)
    return settings


def callback_settings_delete(*, settings: CallbackSettings, by: Membership) -> None:
    """The defaults apply again."""
    check_configures(by, settings.tenant)
    settings.delete()


@transaction.atomic
def holiday_create(*, tenant: Tenant, by: Membership, data: dict[str, Any]) -> BusinessHoliday:
    check_configures(by, tenant)
    holiday = BusinessHoliday(tenant=tenant)
    assign_fields(holiday, data, allowed=HOLIDAY_FIELDS)
    save_validated(holiday)
    return holiday


@transaction.atomic
def holiday_update(
    *, holiday: BusinessHoliday, by: Membership, data: dict[str, Any]
) -> BusinessHoliday:
    check_configures(by, holiday.tenant)
    assign_fields(holiday, data, allowed=HOLIDAY_FIELDS)
    with reverted_on_refusal(holiday):
        save_validated(holiday)
    return holiday


def holiday_delete(*, holiday: BusinessHoliday, by: Membership) -> None:
    check_configures(by, holiday.tenant)
    holiday.delete()
