"""Helpers for the customer page tests: custom fields and customers through the services, the
names a list shows, and the create and edit forms as the pages submit them."""

from crm.models import Customer
from crm.services.customers import customer_create
from customfields.services.definitions import definition_create
from tenancy.actors import OPERATOR


def define(tenant, key, label, field_type, **extra):
    data = {"field_key": key, "field_label": label, "field_type": field_type, **extra}
    return definition_create(tenant=tenant, by=OPERATOR, data=data)


def customer(tenant, first_name, by=OPERATOR, tags=(), **custom):
    return customer_create(
        tenant=tenant,
        by=by,
        data={"first_name": first_name, "last_name": "Test"},
        tags=tags,
        custom_fields=custom,
    )


def names(response) -> list[str]:
    return [row["customer"].first_name for row in response.context["rows"]]


def new_customer(**fields) -> dict:
    """The create form as the page submits it (the purchase inputs start at 0)."""
    return {
        "total_purchases": 0,
        "total_spent": "0",
        **fields,
    }


def edit_data(customer: Customer, **changes) -> dict:
    """The edit form as the page fills it in, with `changes` applied."""
    data = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
        "phone": customer.phone,
        "company": customer.company,
        "description": customer.description,
        "tags": ", ".join(customer.tag_names()),
        "total_purchases": customer.total_purchases,
        "total_spent": customer.total_spent,
    }
    return {**data, **changes}
