"""The definition services check their actor themselves: only the tenant's admins (and the
operator) define fields, whoever calls. definition_for is the one 404 for a field key; the value
service records who changed a value and refuses an actor from outside the customer's tenant."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from crm.models import Customer
from customfields.models import FieldDefinition, FieldHistory
from customfields.selectors.definitions import definition_for
from customfields.services.definitions import (
    definition_create,
    definition_delete,
    definition_set_active,
    definition_update,
    definitions_reorder,
    industry_template_apply,
)
from customfields.services.values import active_definitions, clean_values, write_values
from tenancy.actors import OPERATOR
from tests.factories import CustomerFactory, FieldDefinitionFactory


@pytest.fixture
def fields(tenant_a):
    tier = FieldDefinitionFactory(
        tenant=tenant_a,
        field_key="tier",
        field_type="select",
        select_options=["Gold", "Silver"],
    )
    points = FieldDefinitionFactory(tenant=tenant_a, field_key="points", field_type="number")
    return tier, points


@pytest.fixture
def customer(tenant_a, fields):
    customer = CustomerFactory(tenant=tenant_a, first_name="Ada")
    customer.custom_number_1 = 10  # the first number slot: points
    customer.save()
    return customer


def state(tenant):
    """Everything a definition service could change: the definitions and the slot values."""
    definitions = list(FieldDefinition.objects.filter(tenant=tenant).order_by("pk").values())
    values = list(
        Customer.objects.filter(tenant=tenant)
        .order_by("pk")
        .values("custom_select_1", "custom_number_1", "custom_fields_extra")
    )
    return definitions, values


WRITES = {
    "create": lambda tenant, fields, by: definition_create(
        tenant=tenant,
        by=by,
        data={"field_key": "vip", "field_label": "VIP", "field_type": "boolean"},
    ),
    "update": lambda tenant, fields, by: definition_update(
        definition=fields[0], by=by, data={"field_label": "Level"}
    ),
    "deactivate": lambda tenant, fields, by: definition_set_active(
        definition=fields[0], by=by, active=False
    ),
    "reactivate": lambda tenant, fields, by: definition_set_active(
        definition=fields[0], by=by, active=True
    ),
    "delete": lambda tenant, fields, by: definition_delete(definition=fields[1], by=by),
    "reorder": lambda tenant, fields, by: definitions_reorder(
        tenant=tenant, by=by, keys=["points", "tier"]
    ),
    "apply template": lambda tenant, fields, by: industry_template_apply(
        tenant=tenant, by=by, industry="healthcare"
    ),
}


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("who", ["manager_a", "agent_a", "admin_b"])
def test_only_the_tenants_admins_define_fields(request, write, who, tenant_a, fields, customer):
    by = request.getfixturevalue(who)
    if write == "reactivate":
        definition_set_active(definition=fields[0], by=OPERATOR, active=False)
    before = state(tenant_a)
    with pytest.raises(PermissionDenied):
        WRITES[write](tenant_a, fields, by)
    assert state(tenant_a) == before


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("who", ["admin_a", "operator"])
def test_the_tenants_admin_and_the_operator_may(request, write, who, tenant_a, fields):
    by = OPERATOR if who == "operator" else request.getfixturevalue(who)
    before = state(tenant_a)
    WRITES[write](tenant_a, fields, by)
    assert state(tenant_a) != before or write == "reactivate"  # already active: nothing to do


def test_an_inactive_admin_may_not(tenant_a, admin_a, fields):
    admin_a.is_active = False
    admin_a.save()
    with pytest.raises(PermissionDenied):
        definition_update(definition=fields[0], by=admin_a, data={"field_label": "Level"})


# ---------------------------------------------------------------------------------------------
# definition_for


def test_definition_for_finds_a_field_by_key(tenant_a, agent_a, fields):
    found = definition_for(tenant=tenant_a, membership=agent_a, key="tier")
    assert found == fields[0]


def test_definition_for_is_one_404_for_missing_foreign_and_deleted(
    tenant_a, tenant_b, admin_a, fields
):
    FieldDefinitionFactory(tenant=tenant_b, field_key="beta_only")
    definition_delete(definition=fields[1], by=admin_a)
    messages = set()
    for key in ("nothing", "beta_only", "points", "", None, 7):
        with pytest.raises(Http404) as missing:
            definition_for(tenant=tenant_a, membership=admin_a, key=key)
        messages.add(str(missing.value))
    assert messages == {"No such field."}


def test_definition_for_narrows_with_a_queryset_but_never_widens(tenant_a, admin_a, fields):
    FieldDefinitionFactory(tenant=tenant_a, field_key="old", is_active=False)
    active = FieldDefinition.objects.filter(is_active=True)
    with pytest.raises(Http404):
        definition_for(tenant=tenant_a, membership=admin_a, key="old", queryset=active)
    everyone = FieldDefinition.objects.all()
    assert definition_for(tenant=tenant_a, membership=admin_a, key="old", queryset=everyone)


# ---------------------------------------------------------------------------------------------
# Values


def _write(customer, by, values):
    definitions = active_definitions(customer.tenant)
    cleaned = clean_values(definitions=definitions, values=values, require_all=False)
    return write_values(customer=customer, definitions=definitions, cleaned=cleaned, by=by)


def test_the_value_service_records_who_changed_a_value(customer, agent_a):
    [by_agent] = _write(customer, agent_a, {"tier": "Gold"})
    assert by_agent.changed_by == agent_a.user
    [by_system] = _write(customer, OPERATOR, {"tier": "Silver"})
    assert by_system.changed_by is None


def test_the_value_service_refuses_an_actor_from_another_tenant(customer, admin_b):
    with pytest.raises(PermissionDenied):
        _write(customer, admin_b, {"tier": "Gold"})
    assert customer.custom_select_1 is None
    assert not FieldHistory.objects.exists()
