"""Which column fills which field: automatic by name or label (case, spaces, underscores and
dashes aside), custom fields as custom.<key>, their key or their label; a given mapping over
the automatic one; unknown columns and fields refused with messages under `mapping`."""

import pytest
from django.core.exceptions import ValidationError

from crm.selectors.imports import import_targets
from crm.services.imports.mapping import auto_mapping, parse_mapping, resolve_mapping
from tests.crm.customers import define


@pytest.fixture
def targets(tenant_a):
    define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold", "Silver"])
    define(tenant_a, "loyalty_points", "Points", "number")
    return import_targets(tenant=tenant_a, kind="customers")


def test_targets_are_core_fields_tags_and_the_active_custom_fields(targets, tenant_a):
    values = [value for value, _ in targets]
    assert values[:3] == ["first_name", "last_name", "email"]
    assert "tags" in values
    assert ("custom.tier", "Membership tier") in targets
    assert "crm_score" not in values  # computed, never imported
    leads = dict(import_targets(tenant=tenant_a, kind="leads"))
    assert {"status", "source", "sub_source", "channel", "tags"} <= set(leads)
    assert not any(value.startswith("custom.") for value in leads)


def test_auto_mapping_by_name_label_key_and_custom_prefix(targets):
    headers = ["FIRST NAME", "last-name", "E-mail", "Membership Tier", "loyalty points", "Other"]
    assert auto_mapping(headers, targets) == {
        "FIRST NAME": "first_name",
        "last-name": "last_name",
        "E-mail": "email",
        "Membership Tier": "custom.tier",
        "loyalty points": "custom.loyalty_points",
    }
    assert auto_mapping(["custom.tier", "Email address"], targets) == {"custom.tier": "custom.tier"}


def test_a_field_is_taken_by_the_first_column_naming_it(targets):
    assert auto_mapping(["email", "Email (2)"], targets) == {"email": "email"}


def test_a_given_mapping_goes_over_the_automatic_one(targets):
    headers = ["Name", "email", "Mail 2", "Notes"]
    mapping = resolve_mapping(
        headers=headers,
        targets=targets,
        given={"Name": "first_name", "Mail 2": "email", "notes": "Membership tier"},
    )
    # "email" lost its automatic field to the explicit "Mail 2"; a label works as a target;
    # the column's name is matched without case.
    assert mapping == {"Name": "first_name", "Mail 2": "email", "Notes": "custom.tier"}
    left_out = resolve_mapping(
        headers=["first_name", "email"], targets=targets, given={"EMAIL": ""}
    )
    assert left_out == {"first_name": "first_name"}


def test_unknown_columns_and_fields_are_refused_together(targets):
    with pytest.raises(ValidationError) as refused:
        resolve_mapping(
            headers=["a", "b"],
            targets=targets,
            given={"missing": "email", "a": "custom.nope", "b": "first_name"},
        )
    messages = refused.value.message_dict["mapping"]
    assert any("no column “missing”" in m for m in messages)
    assert any("“custom.nope”" in m and "not a field" in m for m in messages)


def test_two_columns_on_one_field_and_nothing_mapped_are_refused(targets):
    with pytest.raises(ValidationError, match="more than one maps to: Email"):
        resolve_mapping(headers=["a", "b"], targets=targets, given={"a": "email", "b": "email"})
    with pytest.raises(ValidationError, match="No column matches a field"):
        resolve_mapping(headers=["x", "y"], targets=targets, given=None)


@pytest.mark.parametrize(
    "raw",
    ["{not json", "[1, 2]", '"email"', '{"a": 3}', '{"a": ["email"]}', "[" * 5000],
)
def test_a_mapping_that_is_not_an_object_of_names_is_refused(raw):
    with pytest.raises(ValidationError) as refused:
        parse_mapping(raw)
    assert list(refused.value.message_dict) == ["mapping"]


def test_a_mapping_as_json_or_dict_and_none(targets):
    assert parse_mapping('{"E-mail": "email", "x": null}') == {"E-mail": "email", "x": ""}
    assert parse_mapping({"a": " email "}) == {"a": "email"}
    assert parse_mapping(None) is None and parse_mapping("") is None
