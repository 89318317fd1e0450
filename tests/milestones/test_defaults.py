"""The default milestone configuration: new tenants get it from the tenant_created signal; the
data migration gives it to tenants that existed before the app, once."""

import importlib

from django.apps import apps

from milestones.defaults import DEFAULT_TEMPLATE_NAME, DEFAULT_TYPES
from milestones.models import MilestoneTemplate, MilestoneType
from tests.factories import make_tenant

migration = importlib.import_module("milestones.migrations.0002_default_configuration")


def configuration(tenant):
    template = MilestoneTemplate.objects.get(tenant=tenant, is_default=True)
    return (
        list(MilestoneType.objects.filter(tenant=tenant).values_list("type_code", flat=True)),
        template.template_name,
        template.type_codes(),
    )


def test_a_new_tenant_gets_the_defaults(db):
    codes = [t["type_code"] for t in DEFAULT_TYPES]
    assert configuration(make_tenant("fresh")) == (codes, DEFAULT_TEMPLATE_NAME, codes)


def test_the_migration_installs_them_for_existing_tenants_once(db):
    old = make_tenant("old")
    configured = make_tenant("configured")
    MilestoneTemplate.objects.filter(tenant=old).delete()
    MilestoneType.objects.filter(tenant=old).delete()
    MilestoneType.objects.create(tenant=configured, type_code="EXTRA", type_name="Extra")
    before = configuration(configured)

    migration.install_for_existing_tenants(apps, None)
    migration.install_for_existing_tenants(apps, None)

    codes = [t["type_code"] for t in DEFAULT_TYPES]
    assert configuration(old) == (codes, DEFAULT_TEMPLATE_NAME, codes)
    assert configuration(configured) == before  # a tenant with types is left alone
    assert MilestoneTemplate.objects.filter(tenant=old).count() == 1
