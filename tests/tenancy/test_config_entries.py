"""The config-entry rules, written once in tenancy.services.config_entries, hold for every kind
of code-addressed configuration: lead sources, sub-sources and channels, milestone types and
templates, and the campaign catalogue."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns.models import CampaignStatus
from campaigns.services import catalogue
from crm.models import LeadSource
from crm.services import sources
from milestones.services import config as milestone_config
from tenancy.services.config_entries import (
    config_entry_create,
    config_entry_deactivate,
    config_entry_delete,
    config_entry_update,
    refusal,
)

# (spec, data for a new entry with code X1) for every kind whose code is a field.
KINDS = {
    "lead source": (sources.SOURCES, {"source_code": "X1", "source_name": "X one"}),
    "lead channel": (sources.CHANNELS, {"channel_code": "X1", "channel_name": "X one"}),
    "milestone type": (milestone_config.TYPES, {"type_code": "X1", "type_name": "X one"}),
    "campaign type": (catalogue.TYPES, {"type_code": "X1", "type_name": "X one"}),
    "campaign channel": (
        catalogue.CHANNELS,
        {"channel_code": "X1", "channel_name": "X one", "kind": "email"},
    ),
    "budget type": (
        catalogue.BUDGET_TYPES,
        {"budget_type_code": "X1", "budget_type_name": "X one"},
    ),
}
FLAGGED = ["lead source", "campaign type", "campaign channel"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_code_is_unique_among_live_entries_and_free_again_once_deleted(kind, admin_a):
    spec, data = KINDS[kind]
    tenant = admin_a.tenant
    first = config_entry_create(spec, tenant=tenant, data=data, by=admin_a)
    with pytest.raises(ValidationError):
        config_entry_create(spec, tenant=tenant, data=data, by=admin_a)
    if spec.flag and getattr(first, spec.flag):  # the tenant's first entry of its kind
        config_entry_create(spec, tenant=tenant, data={**data, **_other_code(data)}, by=admin_a)
        first.refresh_from_db()
        config_entry_update(
            spec.live(tenant).exclude(pk=first.pk).get(), data={spec.flag: True}, by=admin_a
        )
        first.refresh_from_db()
    config_entry_delete(first, by=admin_a)
    first.refresh_from_db()
    assert first.is_deleted and not first.is_active
    again = config_entry_create(spec, tenant=tenant, data=data, by=admin_a)
    assert again.pk != first.pk


@pytest.mark.parametrize("kind", KINDS)
def test_only_the_tenants_admins_write_configuration(kind, tenant_a, manager_a, admin_b):
    spec, data = KINDS[kind]
    for outsider in (manager_a, admin_b):
        with pytest.raises(PermissionDenied):
            config_entry_create(spec, tenant=tenant_a, data=data, by=outsider)
    assert not spec.live(tenant_a).filter(**{_code_field(data): "X1"}).exists()


@pytest.mark.parametrize("kind", FLAGGED)
def test_the_flag_moves_and_its_holder_cannot_drop_it(kind, admin_a):
    spec, data = KINDS[kind]
    tenant = admin_a.tenant
    holder = spec.live(tenant).filter(**{spec.flag: True}).first() or config_entry_create(
        spec, tenant=tenant, data={**data, **_other_code(data)}, by=admin_a
    )
    assert getattr(holder, spec.flag)
    for action, service in (
        ("deactivated", config_entry_deactivate),
        ("deleted", config_entry_delete),
    ):
        assert refusal(holder, action) is not None
        with pytest.raises(ValidationError) as refused:
            service(holder, by=admin_a)
        assert spec.flag_noun in str(refused.value)
    with pytest.raises(ValidationError):
        config_entry_update(holder, data={spec.flag: False}, by=admin_a)
    with pytest.raises(ValidationError):
        config_entry_update(holder, data={"is_active": False}, by=admin_a)

    newcomer = config_entry_create(spec, tenant=tenant, data={**data, spec.flag: True}, by=admin_a)
    holder.refresh_from_db()
    assert getattr(newcomer, spec.flag) and not getattr(holder, spec.flag)
    assert spec.live(tenant).filter(**{spec.flag: True}).count() == 1
    config_entry_delete(holder, by=admin_a)  # no longer the holder


def test_the_first_source_of_a_tenant_is_its_default_but_an_initial_status_is_chosen(admin_a):
    tenant = admin_a.tenant
    LeadSource.objects.for_tenant(tenant).update(deleted_at="2020-01-01T00:00:00Z")
    source = config_entry_create(
        sources.SOURCES,
        tenant=tenant,
        data={"source_code": "ONLY", "source_name": "Only"},
        by=admin_a,
    )
    assert source.is_default
    CampaignStatus.objects.for_tenant(tenant).update(deleted_at="2020-01-01T00:00:00Z")
    status = config_entry_create(
        catalogue.STATUSES,
        tenant=tenant,
        data={"status_code": "FIRST", "status_name": "First", "phase": "draft"},
        by=admin_a,
    )
    assert not status.is_initial


def test_a_kinds_own_rule_runs_beside_the_shared_ones(admin_a):
    """A milestone type that is a step of a live template keeps its place (its spec's guard)."""
    tenant = admin_a.tenant
    used = milestone_config.TYPES.live(tenant).get(type_code="CONTACTED")
    assert refusal(used, "deleted") is not None
    with pytest.raises(ValidationError, match="step of"):
        config_entry_deactivate(used, by=admin_a)
    with pytest.raises(ValidationError, match="step of"):
        config_entry_update(used, data={"is_active": False}, by=admin_a)


def test_deleting_a_source_deletes_its_sub_sources(admin_a):
    tenant = admin_a.tenant
    social = LeadSource.objects.for_tenant(tenant).get(source_code="SOCIAL")
    sub = config_entry_create(
        sources.SUB_SOURCES,
        tenant=tenant,
        data={"sub_source_code": "TIKTOK", "sub_source_name": "TikTok"},
        by=admin_a,
        source=social,
    )
    config_entry_delete(social, by=admin_a)
    sub.refresh_from_db()
    assert sub.is_deleted
    assert not social.sub_sources.filter(deleted_at__isnull=True).exists()


def _code_field(data: dict) -> str:
    return next(name for name in data if name.endswith("_code"))


def _other_code(data: dict) -> dict:
    return {_code_field(data): "X2"}
