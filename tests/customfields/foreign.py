"""Customers' and custom fields' part of the crossing walks (tests/tenancy): tenant B has a
field in slot custom_text_1 (the slot tenant A's first text field also takes) and a customer
with a value in it, and a two-field index of that field and a number field."""

from crm.api.customers import CustomerViewSet
from crm.models import Customer
from crm.services.customers import customer_create
from customfields.api.views import FieldDefinitionViewSet, IndustryTemplateViewSet
from customfields.models import FieldDefinition, FieldHistory, FieldPairIndex
from customfields.services.definitions import definition_create
from customfields.services.pair_indexes import pair_index_create
from tenancy.actors import OPERATOR


def build(world, tenant) -> None:
    world.definition = definition_create(
        tenant=tenant,
        by=OPERATOR,
        data={"field_key": "zqxbeta_code", "field_label": "Zqxbeta code", "field_type": "text"},
    )
    world.customer = customer_create(
        tenant=tenant,
        by=OPERATOR,
        data={"first_name": "Zqxbeta", "last_name": "Customer", "email": "zqxbeta@b.example"},
        tags=["zqxbeta-vip"],
        custom_fields={"zqxbeta_code": "zqxbeta-secret-value"},
    )
    definition_create(
        tenant=tenant,
        by=OPERATOR,
        data={
            "field_key": "zqxbeta_points",
            "field_label": "Zqxbeta points",
            "field_type": "number",
        },
    )
    world.pair_index = pair_index_create(
        tenant=tenant, key_a="zqxbeta_points", key_b="zqxbeta_code", concurrently=False
    )


def snapshot(world) -> tuple:
    customer = Customer.objects.get(pk=world.customer.pk)
    definition = FieldDefinition.objects.get(pk=world.definition.pk)
    return (
        customer.first_name,
        customer.custom_text_1,
        customer.tag_names(),
        definition.field_label,
        definition.is_active,
        definition.order,
        FieldHistory.objects.filter(customer=customer).count(),
        FieldPairIndex.objects.filter(pk=world.pair_index.pk).exists(),
    )


DETAIL_KWARGS = {
    CustomerViewSet: lambda w: {"pk": w.customer.pk, "field_key": w.definition.field_key},
    FieldDefinitionViewSet: lambda w: {"field_key": w.definition.field_key},
}
LIST_ONLY = {IndustryTemplateViewSet}
FOREIGN_POSTS = {
    "customer-list": lambda w, a: [
        {"first_name": "X", "custom_fields": {w.definition.field_key: "x"}},
    ],
    "custom-field-reorder": lambda w, a: [{"keys": [w.definition.field_key]}],
}
OWN_POSTS = {"custom-field-list", "custom-field-apply-industry-template"}
FOREIGN_FILTERS = {
    "customer-list": {"cf_zqxbeta_code": lambda w: "zqxbeta-secret-value"},
    "customer-export": {"cf_zqxbeta_code": lambda w: "zqxbeta-secret-value"},
}
ADMIN_OBJECTS = {
    Customer: lambda w: w.customer,
    FieldDefinition: lambda w: w.definition,
    FieldPairIndex: lambda w: w.pair_index,
}
