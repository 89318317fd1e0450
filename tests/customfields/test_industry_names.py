"""The industry templates keep the original specification's keys (retail `is_vip`, healthcare
`medical_id`, nothing required), and the data migration brings existing tenants over without
losing a value: it is run here on data written the old way."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from crm.models import Customer
from crm.services.customers import customer_create, customer_update
from customfields.models import FieldDefinition, FieldHistory, IndustryFieldTemplate
from customfields.services.definitions import definition_create
from customfields.services.values import read_values
from tenancy.actors import OPERATOR
from tenancy.services.tenants import tenant_create
from tests.factories import make_tenant

migration = importlib.import_module("customfields.migrations.0003_industry_template_keys")

OLD_VIP = {"field_key": "vip_customer", "field_label": "VIP customer", "field_type": "boolean"}
OLD_ID = {
    "field_key": "national_id",
    "field_label": "National / medical ID",
    "field_type": "text",
    "is_required": True,
    "validation_rules": {"max_length": 20},
}


def keys(tenant):
    return list(FieldDefinition.objects.filter(tenant=tenant).values_list("field_key", flat=True))


def migrate():
    """The migration's step, over this database (the real models have the fields it uses)."""
    migration.forwards(django_apps, None)


def old_templates():
    """The template rows as migration 0002 loaded them before the change."""
    IndustryFieldTemplate.objects.filter(industry="retail", field_key="is_vip").update(
        field_key="vip_customer"
    )
    IndustryFieldTemplate.objects.filter(industry="healthcare", field_key="medical_id").update(
        field_key="national_id", is_required=True
    )


def template_keys(industry):
    return list(
        IndustryFieldTemplate.objects.filter(industry=industry).values_list("field_key", flat=True)
    )


# ---------------------------------------------------------------------------------------------
# The templates


def test_a_new_retail_tenant_gets_is_vip(db):
    shop = tenant_create(slug="shop", name="Shop", industry="retail")
    assert keys(shop) == [
        "birth_date",
        "loyalty_points",
        "favorite_category",
        "last_purchase_date",
        "is_vip",
    ]
    assert FieldDefinition.objects.get(tenant=shop, field_key="is_vip").field_type == "boolean"


def test_a_new_healthcare_tenant_gets_medical_id_not_required(db):
    clinic = tenant_create(slug="clinic", name="Clinic", industry="healthcare")
    medical = FieldDefinition.objects.get(tenant=clinic, field_key="medical_id")
    assert (medical.field_type, medical.is_required) == ("text", False)
    assert medical.validation_rules == {"max_length": 20}
    assert "national_id" not in keys(clinic)
    # A customer without the ID can be created.
    customer = customer_create(tenant=clinic, by=OPERATOR, data={"first_name": "Pat"})
    assert read_values(customer, [medical]) == {"medical_id": None}


def test_no_template_field_is_required(db):
    assert IndustryFieldTemplate.objects.exists()
    assert not IndustryFieldTemplate.objects.filter(is_required=True).exists()


def test_the_migration_renames_the_old_template_rows(db):
    old_templates()
    assert "vip_customer" in template_keys("retail")
    migrate()
    assert template_keys("retail")[-1] == "is_vip" and "vip_customer" not in template_keys("retail")
    medical = IndustryFieldTemplate.objects.get(industry="healthcare", field_key="medical_id")
    assert (medical.order, medical.is_required) == (0, False)
    assert "national_id" not in template_keys("healthcare")


def test_the_migration_drops_an_old_template_row_when_the_new_one_is_loaded(db):
    retail = IndustryFieldTemplate.objects.get(industry="retail", field_key="is_vip")
    IndustryFieldTemplate.objects.create(
        industry="retail", field_key="vip_customer", field_label="VIP", field_type="boolean"
    )
    migrate()
    assert template_keys("retail").count("is_vip") == 1
    assert IndustryFieldTemplate.objects.get(industry="retail", field_key="is_vip").pk == retail.pk
    assert "vip_customer" not in template_keys("retail")


# ---------------------------------------------------------------------------------------------
# Existing tenants


@pytest.fixture
def old_tenant(db):
    """A tenant set up the old way: both old fields, two customers with values, one change in
    the history of each field."""
    old_templates()
    tenant = make_tenant("legacy")
    vip = definition_create(tenant=tenant, by=OPERATOR, data=OLD_VIP)
    national = definition_create(tenant=tenant, by=OPERATOR, data=OLD_ID)
    ann = customer_create(
        tenant=tenant,
        by=OPERATOR,
        data={"first_name": "Ann"},
        custom_fields={"vip_customer": True, "national_id": "A-1"},
    )
    customer_update(
        customer=ann,
        by=OPERATOR,
        data={},
        custom_fields={"vip_customer": False, "national_id": "A-2"},
    )
    bob = customer_create(
        tenant=tenant,
        by=OPERATOR,
        data={"first_name": "Bob"},
        custom_fields={"vip_customer": True, "national_id": "B-1"},
    )
    return {"tenant": tenant, "vip": vip, "national": national, "ann": ann, "bob": bob}


def values(customer, tenant):
    customer = Customer.objects.get(pk=customer.pk)
    return read_values(customer, FieldDefinition.objects.filter(tenant=tenant))


def test_an_old_tenant_ends_with_the_new_keys_and_the_same_values(old_tenant):
    tenant = old_tenant["tenant"]
    assert values(old_tenant["ann"], tenant) == {"vip_customer": False, "national_id": "A-2"}
    slots = {d.pk: d.mapped_field_name for d in FieldDefinition.objects.filter(tenant=tenant)}
    migrate()
    assert keys(tenant) == ["is_vip", "medical_id"]
    assert values(old_tenant["ann"], tenant) == {"is_vip": False, "medical_id": "A-2"}
    assert values(old_tenant["bob"], tenant) == {"is_vip": True, "medical_id": "B-1"}
    # The same definitions in the same slots; the ID, required only by the template, is not.
    after = FieldDefinition.objects.filter(tenant=tenant)
    assert {d.pk: d.mapped_field_name for d in after} == slots
    medical = after.get(field_key="medical_id")
    assert (medical.pk, medical.is_required) == (old_tenant["national"].pk, False)
    assert medical.field_label == "National / medical ID"
    # The history keeps the changes, under the new keys.
    history = FieldHistory.objects.filter(customer=old_tenant["ann"]).order_by("id")
    assert [(h.field_key, h.old_value, h.new_value) for h in history] == [
        ("is_vip", None, "yes"),
        ("medical_id", None, "A-1"),
        ("is_vip", "yes", "no"),
        ("medical_id", "A-1", "A-2"),
    ]
    # The API answers with the new keys.
    customer_update(
        customer=Customer.objects.get(pk=old_tenant["bob"].pk),
        by=OPERATOR,
        data={},
        custom_fields={"is_vip": False, "medical_id": ""},
    )
    assert values(old_tenant["bob"], tenant) == {"is_vip": False, "medical_id": None}


def test_values_kept_in_the_json_overflow_move_to_the_new_key(old_tenant):
    tenant, vip = old_tenant["tenant"], old_tenant["vip"]
    # As if every boolean slot had been taken: the field's values live in custom_fields_extra.
    FieldDefinition.objects.filter(pk=vip.pk).update(mapped_field_name=None)
    for name, flag in (("ann", False), ("bob", True)):
        Customer.objects.filter(pk=old_tenant[name].pk).update(
            custom_fields_extra={"vip_customer": flag, "other": 1}
        )
    migrate()
    for name, flag in (("ann", False), ("bob", True)):
        customer = Customer.objects.get(pk=old_tenant[name].pk)
        assert customer.custom_fields_extra == {"is_vip": flag, "other": 1}
    assert values(old_tenant["bob"], tenant)["is_vip"] is True


def test_a_tenant_that_has_the_new_key_keeps_both_fields(old_tenant):
    tenant = old_tenant["tenant"]
    own = definition_create(
        tenant=tenant,
        by=OPERATOR,
        data={"field_key": "is_vip", "field_label": "Our VIP flag", "field_type": "boolean"},
    )
    migrate()
    assert sorted(keys(tenant)) == ["is_vip", "medical_id", "vip_customer"]
    assert FieldDefinition.objects.get(tenant=tenant, field_key="is_vip").pk == own.pk
    assert values(old_tenant["ann"], tenant)["vip_customer"] is False


def test_a_field_the_admin_made_its_own_stays_required(old_tenant):
    national = old_tenant["national"]
    FieldDefinition.objects.filter(pk=national.pk).update(field_label="Patient number")
    migrate()
    medical = FieldDefinition.objects.get(pk=national.pk)
    assert (medical.field_key, medical.is_required) == ("medical_id", True)


def test_a_field_of_another_type_under_an_old_key_is_not_renamed(db):
    old_templates()
    tenant = make_tenant("other")
    definition_create(
        tenant=tenant,
        by=OPERATOR,
        data={"field_key": "vip_customer", "field_label": "VIP level", "field_type": "number"},
    )
    migrate()
    assert keys(tenant) == ["vip_customer"]


def test_the_migration_runs_twice_without_change(old_tenant):
    migrate()
    before = list(FieldDefinition.objects.values_list("pk", "field_key", "is_required"))
    migrate()
    assert list(FieldDefinition.objects.values_list("pk", "field_key", "is_required")) == before


def test_reversing_renames_back(old_tenant):
    tenant = old_tenant["tenant"]
    migrate()
    migration.backwards(django_apps, None)
    assert keys(tenant) == ["vip_customer", "national_id"]
    assert values(old_tenant["ann"], tenant) == {"vip_customer": False, "national_id": "A-2"}
    assert "vip_customer" in template_keys("retail")
    assert IndustryFieldTemplate.objects.get(
        industry="healthcare", field_key="national_id"
    ).is_required


# ---------------------------------------------------------------------------------------------
# Through the migration executor, on the historical models


def migrate_to(target):
    MigrationExecutor(connection).migrate([target])


@pytest.mark.django_db(transaction=True)
def test_migrating_from_0002_to_0003_brings_an_old_tenant_over():
    # Back before the templates were loaded, then loaded by 0002 and given the old keys (a
    # transactional test may start on a flushed database, without templates).
    migrate_to(("customfields", "0001_initial"))
    try:
        migrate_to(("customfields", "0002_industry_templates"))
        old_templates()
        assert "vip_customer" in template_keys("retail")
        tenant = make_tenant("legacy")
        definition_create(tenant=tenant, by=OPERATOR, data=OLD_VIP)
        definition_create(tenant=tenant, by=OPERATOR, data=OLD_ID)
        ann = customer_create(
            tenant=tenant,
            by=OPERATOR,
            data={"first_name": "Ann"},
            custom_fields={"vip_customer": True, "national_id": "A-1"},
        )
    finally:
        # Every app's latest, not only customfields': going back to 0001 also unapplied the
        # migrations that depend on 0003 (campaigns 0003 onwards), which later tests need.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert keys(tenant) == ["is_vip", "medical_id"]
    assert values(ann, tenant) == {"is_vip": True, "medical_id": "A-1"}
    assert not FieldDefinition.objects.get(tenant=tenant, field_key="medical_id").is_required
    assert sorted(FieldHistory.objects.values_list("field_key", flat=True)) == [
        "is_vip",
        "medical_id",
    ]
    assert template_keys("retail")[-1] == "is_vip"
    assert not IndustryFieldTemplate.objects.filter(is_required=True).exists()
