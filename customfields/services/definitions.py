"""A tenant's field definitions: create (taking a free slot of the type, or overflowing to
JSON), update, deactivate/reactivate, delete (clearing the tenant's values first), reorder, and
applying an industry template. Only the tenant's admins (or the operator) define fields; every
service checks its `by` itself."""

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Func, JSONField

from tenancy.actors import Actor, require_role
from tenancy.models import Role, Tenant
from tenancy.services.common import assign_fields, save_validated

from ..host import host_model
from ..models import FieldDefinition, FieldType, IndustryFieldTemplate
from ..patterns import compile_pattern
from ..signals import active_fields_changed
from ..slots import slot_names
from .pair_indexes import pair_indexes_drop_for
from .values import NUMBER_LARGEST, TEXT_MAX_LENGTH

DEFINE_ROLES = (Role.ADMIN,)  # who may define, change and delete a tenant's fields
DEFINE_REFUSED = "Only the tenant's admins define its custom fields."
MAX_FIELDS = 200  # per tenant: the 90 slots are a fast path, the JSON overflow takes the rest
DEFINITION_FIELDS = (
    "field_key",
    "field_label",
    "field_type",
    "is_required",
    "is_active",
    "order",
    "validation_rules",
    "select_options",
    "help_text",
    "placeholder",
)
RULES_BY_TYPE = {
    FieldType.TEXT: {"min_length", "max_length", "pattern", "pattern_message"},
    FieldType.NUMBER: {"min", "max"},
    FieldType.DATE: {"min", "max"},
}


def free_slot(*, tenant: Tenant, field_type: str) -> str | None:
    """The first slot of the type no definition of the tenant holds (inactive ones keep theirs)."""
    taken = set(
        FieldDefinition.objects.for_tenant(tenant)
        .filter(mapped_field_name__isnull=False)
        .values_list("mapped_field_name", flat=True)
    )
    return next((name for name in slot_names(field_type) if name not in taken), None)


def _require_definer(by: Actor, tenant: Tenant) -> None:
    require_role(by, tenant=tenant, roles=DEFINE_ROLES, message=DEFINE_REFUSED)


def _number_bound(value: Any) -> Decimal:
    """A number rule's bound: a number a value could be (ValueError otherwise)."""
    if isinstance(value, bool):
        raise ValueError
    bound = Decimal(str(value))
    if not bound.is_finite() or abs(bound) > NUMBER_LARGEST:
        raise ValueError
    return bound


def _check_shape(definition: FieldDefinition) -> None:
    errors: dict[str, list[str]] = {}
    rules = definition.validation_rules
    if not isinstance(rules, dict):
        errors["validation_rules"] = ['Give the rules as an object, e.g. {"min": 0}.']
    else:
        unknown = set(rules) - RULES_BY_TYPE.get(definition.field_type, set())
        if unknown:
            kind = definition.get_field_type_display()
            errors["validation_rules"] = [
                f"{kind} fields take no rule {', '.join(sorted(unknown))}."
            ]
    options = definition.select_options
    if definition.field_type == FieldType.SELECT:
        if (
            not isinstance(options, list)
            or not options
            or not all(isinstance(o, str) and o.strip() for o in options)
        ):
            errors["select_options"] = ["A select field needs a list of non-empty options."]
        elif len({o.strip().lower() for o in options}) != len(options):
            errors["select_options"] = ["Options must be different from each other."]
    elif options:
        errors["select_options"] = ["Only select fields have options."]
    if errors:
        raise ValidationError(errors)
    if definition.field_type == FieldType.SELECT:
        definition.select_options = [option.strip() for option in options]
    parse_bound = {FieldType.NUMBER: _number_bound, FieldType.DATE: date.fromisoformat}
    for bound in ("min", "max"):
        if bound in rules and definition.field_type in parse_bound:
            try:
                parse_bound[definition.field_type](rules[bound])
            except (InvalidOperation, TypeError, ValueError):
                raise ValidationError(
                    {"validation_rules": [f"'{bound}' is not a valid {definition.field_type}."]}
                ) from None
    for length in ("min_length", "max_length"):
        value = rules.get(length, 0)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value <= TEXT_MAX_LENGTH
        ):
            raise ValidationError(
                {"validation_rules": [f"'{length}' is a whole number from 0 to {TEXT_MAX_LENGTH}."]}
            )
    if "pattern" in rules:
        compile_pattern(rules["pattern"])  # RE2: linear time; ValidationError on validation_rules


def _active_fields_changed(tenant: Tenant) -> None:
    transaction.on_commit(
        partial(active_fields_changed.send, sender=FieldDefinition, tenant=tenant)
    )


@transaction.atomic
def definition_create(*, tenant: Tenant, by: Actor, data: dict[str, Any]) -> FieldDefinition:
    definition = _create(tenant=tenant, by=by, data=data)
    if definition.is_active:
        _active_fields_changed(tenant)
    return definition


KEY_MAX_LENGTH = FieldDefinition._meta.get_field("field_key").max_length


def key_from_label(label: str, taken: set[str]) -> str:
    """A field key made from its label, as a person would type it: accents dropped, lower case,
    anything else an underscore ("Loyalty points (2024)" -> "loyalty_points_2024"); "field_"
    before a leading digit; _2, _3 … when the tenant has the key already. "" when the label has
    no Latin letter or digit to make one from (the builder then asks for a key)."""
    ascii_text = unicodedata.normalize("NFKD", str(label)).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if not key:
        return ""
    if not key[0].isalpha():
        key = f"field_{key}"
    key = key[:KEY_MAX_LENGTH].rstrip("_")
    candidate, n = key, 1
    while candidate in taken:
        n += 1
        suffix = f"_{n}"
        candidate = key[: KEY_MAX_LENGTH - len(suffix)].rstrip("_") + suffix
    return candidate


def _create(*, tenant: Tenant, by: Actor, data: dict[str, Any]) -> FieldDefinition:
    _require_definer(by, tenant)
    if not data.get("field_key") and isinstance(data.get("field_label"), str):
        taken = set(FieldDefinition.objects.for_tenant(tenant).values_list("field_key", flat=True))
        derived = key_from_label(data["field_label"], taken)
        if not derived and data["field_label"].strip():
            raise ValidationError(
                {"field_key": ["Give a key: the label has no Latin letters to make one from."]}
            )
        data = {**data, "field_key": derived}
    if FieldDefinition.objects.for_tenant(tenant).count() >= MAX_FIELDS:
        raise ValidationError(
            f"At most {MAX_FIELDS} fields can be defined. Delete a field you no longer use."
        )
    definition = FieldDefinition(tenant=tenant)
    assign_fields(definition, data, allowed=DEFINITION_FIELDS)
    if definition.field_type not in FieldType.values:
        raise ValidationError({"field_type": [f"Choose one of {', '.join(FieldType.values)}."]})
    _check_shape(definition)
    definition.mapped_field_name = free_slot(tenant=tenant, field_type=definition.field_type)
    save_validated(definition)
    return definition


@transaction.atomic
def definition_update(
    *, definition: FieldDefinition, by: Actor, data: dict[str, Any]
) -> FieldDefinition:
    _require_definer(by, definition.tenant)
    data = dict(data)
    if "field_type" in data and data["field_type"] != definition.field_type:
        raise ValidationError(
            {
                "field_type": [
                    f"A field's type cannot change in place: its stored values are "
                    f"{definition.get_field_type_display().lower()}s. Create a new field of the "
                    f"new type, copy what you need, and delete this one."
                ]
            }
        )
    if "field_key" in data and data["field_key"] != definition.field_key:
        raise ValidationError(
            {"field_key": ["A field's key cannot change: apps and filters address it by its key."]}
        )
    changes = assign_fields(definition, data, allowed=DEFINITION_FIELDS)
    _check_shape(definition)
    save_validated(definition)
    if "is_active" in changes:
        _active_fields_changed(definition.tenant)
    return definition


def definition_set_active(
    *, definition: FieldDefinition, by: Actor, active: bool
) -> FieldDefinition:
    """Deactivating hides the field but keeps its slot and values, so reactivating restores it."""
    _require_definer(by, definition.tenant)
    changed = definition.is_active != active
    definition.is_active = active
    definition.save(update_fields=["is_active", "updated_at"])
    if changed:
        _active_fields_changed(definition.tenant)
    return definition


class JSONWithoutKey(Func):
    """A JSON object column without one key (PostgreSQL `-`, SQLite JSON_REMOVE)."""

    output_field = JSONField()

    def __init__(self, expression, key: str):
        self.key = key
        super().__init__(expression)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} - %s)", (*params, self.key)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"JSON_REMOVE({sql}, %s)", (*params, f'$."{self.key}"')


@transaction.atomic
def definition_delete(*, definition: FieldDefinition, by: Actor) -> None:
    """Clear the tenant's values first, so a field created later in the same slot (or under the
    same key) never shows old data; the field's history stays, detached."""
    _require_definer(by, definition.tenant)
    pair_indexes_drop_for(definition)
    customers = host_model().objects.for_tenant(definition.tenant)
    if definition.in_slot:
        column = definition.mapped_field_name
        customers.filter(**{f"{column}__isnull": False}).update(**{column: None})
    else:
        key = definition.field_key
        customers.filter(custom_fields_extra__has_key=key).update(
            custom_fields_extra=JSONWithoutKey(F("custom_fields_extra"), key)
        )
    definition.delete()
    _active_fields_changed(definition.tenant)


@transaction.atomic
def definitions_reorder(*, tenant: Tenant, by: Actor, keys: list[str]) -> list[FieldDefinition]:
    """Give the fields the order of `keys`; every one of the tenant's fields must be listed."""
    _require_definer(by, tenant)
    definitions = {d.field_key: d for d in FieldDefinition.objects.for_tenant(tenant)}
    unknown = [k for k in keys if k not in definitions]
    missing = sorted(set(definitions) - set(keys))
    if unknown or missing or len(set(keys)) != len(keys):
        problems = []
        if unknown:
            problems.append(f"unknown fields: {', '.join(unknown)}")
        if missing:
            problems.append(f"missing fields: {', '.join(missing)}")
        if len(set(keys)) != len(keys):
            problems.append("a field is listed twice")
        raise ValidationError({"keys": [f"List each field exactly once ({'; '.join(problems)})."]})
    for position, key in enumerate(keys):
        definitions[key].order = position
    FieldDefinition.objects.bulk_update(definitions.values(), ["order"])
    return [definitions[k] for k in keys]


@transaction.atomic
def industry_template_apply(*, tenant: Tenant, by: Actor, industry: str) -> dict[str, list[str]]:
    """Add the industry's fields the tenant does not have yet (by key); idempotent. A new
    tenant's template is applied by the system (`by=OPERATOR`)."""
    _require_definer(by, tenant)
    templates = list(IndustryFieldTemplate.objects.filter(industry=industry))
    if not templates:
        raise ValidationError({"industry": [f"No template for industry '{industry}'."]})
    existing = set(FieldDefinition.objects.for_tenant(tenant).values_list("field_key", flat=True))
    start = FieldDefinition.objects.for_tenant(tenant).count()
    report: dict[str, list[str]] = {"created": [], "skipped": []}
    for template in templates:
        if template.field_key in existing:
            report["skipped"].append(template.field_key)
            continue
        data = {
            name: getattr(template, name) for name in DEFINITION_FIELDS if hasattr(template, name)
        }
        data["order"] = start + template.order
        _create(tenant=tenant, by=by, data=data)
        report["created"].append(template.field_key)
    if report["created"]:
        _active_fields_changed(tenant)
    return report
