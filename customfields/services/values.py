"""The one way custom values are read, validated and written.

Values arrive as JSON-ish input (API, forms) or as raw text (a chatbot's captured answer); each
type coerces and checks them against the definition's rules, and errors name the field by its
label. Writes go to the field's slot column or to `custom_fields_extra`, and every change is
recorded in FieldHistory with the actor who made it.

Values change on behalf of whoever edits the host (a customer): the host's own service (crm's
customer services) decides who may edit which customer. The value service records that actor
and refuses only one who is neither the operator nor an active member of the customer's tenant
— every member may edit the tenant's customers, so that is the whole rule here.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db.models import Case, F, Model, Value, When

from tenancy.actors import Actor, actor_user, require_role
from tenancy.models import Role, Tenant
from tenancy.validators import normalize_phone

from ..host import host_model
from ..models import FieldDefinition, FieldHistory, FieldType
from ..patterns import pattern_matches
from ..slots import EXTRA_FIELD, slot_field

TRUE_WORDS = {"true", "yes", "1", "y", "on"}
FALSE_WORDS = {"false", "no", "0", "n", "off"}
TEXT_MAX_LENGTH = 500
# Numbers fit the number slot column (DecimalField(max_digits=20, decimal_places=2)), wherever
# they are kept: below 10^18 in size, with at most 2 decimal places.
_NUMBER_SLOT = slot_field("number")
NUMBER_PLACES = _NUMBER_SLOT.decimal_places
NUMBER_LIMIT = Decimal(10) ** (_NUMBER_SLOT.max_digits - NUMBER_PLACES)
NUMBER_STEP = Decimal(10) ** -NUMBER_PLACES
NUMBER_LARGEST = NUMBER_LIMIT - NUMBER_STEP
_validate_email = EmailValidator()
_validate_url = URLValidator(schemes=["http", "https"])


class Problem(Exception):
    """A value that does not fit its field; the message completes "<label> …"."""


def _length_rule(rules: dict, name: str, default: int) -> int:
    """A length rule as a whole number. Definitions refuse any other; one stored before they did
    makes the value a Problem that says so, not a crash."""
    try:
        return int(rules.get(name, default))
    except (TypeError, ValueError, OverflowError):
        raise Problem(
            f"cannot be checked: its {name.replace('_', ' ')} rule is not a whole number. "
            "Ask an admin to fix the field's rules."
        ) from None


def _bound_rule(rules: dict, name: str) -> Decimal | None:
    """A number rule's bound (None when there is none); like a length rule, one that is not a
    number is a Problem."""
    try:
        bound = Decimal(str(rules[name])) if name in rules else None
        if bound is not None and bound.is_nan():
            raise InvalidOperation
        return bound
    except InvalidOperation:
        raise Problem(
            f"cannot be checked: its {name} rule is not a number. "
            "Ask an admin to fix the field's rules."
        ) from None


def _text(d: FieldDefinition, value: Any) -> str:
    if not isinstance(value, str):
        raise Problem("must be text.")
    value = value.strip()
    rules = d.validation_rules
    max_length = min(_length_rule(rules, "max_length", TEXT_MAX_LENGTH), TEXT_MAX_LENGTH)
    if len(value) > max_length:
        raise Problem(f"must be at most {max_length} characters.")
    min_length = _length_rule(rules, "min_length", 0)
    if len(value) < min_length:
        raise Problem(f"must be at least {min_length} characters.")
    if rules.get("pattern"):
        try:  # RE2, linear time; a pattern stored before RE2 may not compile
            matches = pattern_matches(rules["pattern"], value)
        except ValidationError:
            raise Problem(
                "cannot be checked: its format rule is not a usable pattern. "
                "Ask an admin to fix the field's pattern."
            ) from None
        if not matches:
            raise Problem(rules.get("pattern_message") or "is not in the expected format.")
    return value


def _number(d: FieldDefinition, value: Any) -> Decimal:
    if isinstance(value, bool):
        raise Problem("must be a number.")
    try:
        number = (
            Decimal(str(value).strip()) if isinstance(value, (str, int, float, Decimal)) else None
        )
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise Problem("must be a number.")
    if abs(number) >= NUMBER_LIMIT:  # before rounding: 1e30 has too many digits to round
        raise Problem(f"must be between -{NUMBER_LARGEST} and {NUMBER_LARGEST}.")
    if number != number.quantize(NUMBER_STEP):
        raise Problem(f"can have at most {NUMBER_PLACES} decimal places.")
    rules = d.validation_rules
    low, high = _bound_rule(rules, "min"), _bound_rule(rules, "max")
    if low is not None and number < low:
        raise Problem(f"must be at least {rules['min']}.")
    if high is not None and number > high:
        raise Problem(f"must be at most {rules['max']}.")
    return number.quantize(NUMBER_STEP)


def _date(d: FieldDefinition, value: Any) -> date:
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value).strip())
        except ValueError:
            raise Problem("must be a date in YYYY-MM-DD form.") from None
    rules = d.validation_rules
    if rules.get("min") and parsed < date.fromisoformat(rules["min"]):
        raise Problem(f"must be on or after {rules['min']}.")
    if rules.get("max") and parsed > date.fromisoformat(rules["max"]):
        raise Problem(f"must be on or before {rules['max']}.")
    return parsed


def _boolean(d: FieldDefinition, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise Problem("must be yes or no (true/false, 1/0).")


def _email(d: FieldDefinition, value: Any) -> str:
    value = str(value).strip()
    try:
        _validate_email(value)
    except ValidationError:
        raise Problem("must be an email address.") from None
    return value


def _phone(d: FieldDefinition, value: Any) -> str:
    try:
        return normalize_phone(str(value))
    except ValidationError:
        raise Problem("must be a phone number of 7 to 15 digits, e.g. +44 20 7946 0958.") from None


def _url(d: FieldDefinition, value: Any) -> str:
    value = str(value).strip()
    try:
        _validate_url(value)
    except ValidationError:
        raise Problem("must be a web address starting with http:// or https://.") from None
    return value


def _select(d: FieldDefinition, value: Any) -> str:
    text = str(value).strip()
    for option in d.select_options:
        if option.lower() == text.lower():
            return option
    raise Problem(f"must be one of: {', '.join(d.select_options)}.")


COERCE = {
    FieldType.TEXT: _text,
    FieldType.NUMBER: _number,
    FieldType.DATE: _date,
    FieldType.BOOLEAN: _boolean,
    FieldType.EMAIL: _email,
    FieldType.PHONE: _phone,
    FieldType.URL: _url,
    FieldType.SELECT: _select,
}


def coerce_value(definition: FieldDefinition, value: Any) -> Any:
    """The typed value for `definition`, or None for an empty one. Raises ValidationError
    {field_key: ["<Label> <problem>"]}."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if definition.is_required:
            raise ValidationError(
                {definition.field_key: [f"{definition.field_label} is required."]}
            )
        return None
    try:
        return COERCE[definition.field_type](definition, value)
    except Problem as problem:
        raise ValidationError(
            {definition.field_key: [f"{definition.field_label} {problem}"]}
        ) from None


def active_definitions(tenant: Tenant) -> dict[str, FieldDefinition]:
    return {
        d.field_key: d for d in FieldDefinition.objects.for_tenant(tenant).filter(is_active=True)
    }


def clean_values(
    *,
    definitions: Mapping[str, FieldDefinition],
    values: Mapping[str, Any],
    require_all: bool,
) -> dict[str, Any]:
    """Coerce every given value; with `require_all`, required fields must be present. All
    problems are reported together: ValidationError {field_key: [...]}."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, raw in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors[key] = ["Unknown custom field."]
            continue
        try:
            cleaned[key] = coerce_value(definition, raw)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if require_all:
        for key, definition in definitions.items():
            if definition.is_required and key not in values:
                errors[key] = [f"{definition.field_label} is required."]
    if errors:
        raise ValidationError(errors)
    return cleaned


def to_json_value(value: Any) -> Any:
    """How a typed value is kept in custom_fields_extra (numbers as JSON numbers, so ranges and
    ordering compare numerically; dates as ISO strings, which sort like dates)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _from_json(definition: FieldDefinition, value: Any) -> Any:
    if value is None:
        return None
    if definition.field_type == FieldType.NUMBER:
        return Decimal(str(value)).quantize(NUMBER_STEP)
    if definition.field_type == FieldType.DATE:
        return date.fromisoformat(value)
    return value


def read_value(customer: Model, definition: FieldDefinition) -> Any:
    if definition.in_slot:
        return getattr(customer, definition.mapped_field_name)
    return _from_json(definition, (customer.custom_fields_extra or {}).get(definition.field_key))


def read_values(customer: Model, definitions: Iterable[FieldDefinition]) -> dict[str, Any]:
    return {d.field_key: read_value(customer, d) for d in definitions}


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def write_values(
    *,
    customer: Model,
    definitions: Mapping[str, FieldDefinition],
    cleaned: Mapping[str, Any],
    by: Actor,
    reason: str = "",
) -> list[FieldHistory]:
    """Put cleaned values on the customer (not saved: the caller saves once) and return the
    history rows for those that changed, naming `by` as the one who changed them (the caller
    saves them after the customer). PermissionDenied unless `by` may edit the tenant's
    customers (the operator, or an active member of it)."""
    require_role(by, tenant=customer.tenant, roles=Role.values)
    changed_by = actor_user(by)
    history = []
    extra = dict(customer.custom_fields_extra or {})
    for key, new in cleaned.items():
        definition = definitions[key]
        old = read_value(customer, definition)
        if old == new:
            continue
        if definition.in_slot:
            setattr(customer, definition.mapped_field_name, new)
        elif new is None:
            extra.pop(key, None)
        else:
            extra[key] = to_json_value(new)
        history.append(
            FieldHistory(
                tenant=customer.tenant,
                customer=customer,
                definition=definition,
                field_key=key,
                field_label=definition.field_label,
                old_value=_as_text(old),
                new_value=_as_text(new),
                changed_by=changed_by,
                reason=reason,
            )
        )
    customer.custom_fields_extra = extra
    return history


def write_values_many(
    *,
    tenant: Tenant,
    definitions: Mapping[str, FieldDefinition],
    cleaned: Mapping[str, Any],
    customer_ids: Iterable[int],
    by: Actor,
    reason: str = "",
) -> set[int]:
    """Give many of the tenant's customers the same cleaned values, set-based (write_values_each
    with one UPDATE). Returns the ids whose values changed. Chunking the ids is the caller's (a
    few thousand at a time); so is bumping the host's own columns (updated time, score)."""
    history = write_values_each(
        tenant=tenant,
        definitions=definitions,
        values=dict.fromkeys(customer_ids, cleaned),
        by=by,
        reason=reason,
    )
    return {row.customer_id for row in history}


def write_values_each(
    *,
    tenant: Tenant,
    definitions: Mapping[str, FieldDefinition],
    values: Mapping[int, Mapping[str, Any]],
    by: Actor,
    reason: str | Mapping[tuple[int, str], str] = "",
) -> list[FieldHistory]:
    """Give each of many of the tenant's customers its own cleaned values (`values`: {customer
    id: {field key: value}}), set-based: one read of the old values, one UPDATE of the slot
    columns of the customers that change (a CASE when their values differ), one batched
    update of `custom_fields_extra` for overflow fields, one insert of the history rows, each
    with `reason` (or reason[(customer id, field key)]). Returns the history rows written (one
    per value that changed). Same actor rule as `write_values`; bumping the host's own columns
    (updated time, score) is the caller's."""
    require_role(by, tenant=tenant, roles=Role.values)
    host = host_model()
    keys = sorted({key for cleaned in values.values() for key in cleaned})
    in_slot = [key for key in keys if definitions[key].in_slot]
    overflow = [key for key in keys if not definitions[key].in_slot]
    columns = {key: definitions[key].mapped_field_name for key in in_slot}
    rows = host.objects.filter(tenant=tenant, pk__in=list(values)).values_list(
        "pk", *columns.values(), *([EXTRA_FIELD] if overflow else [])
    )
    changed_by = actor_user(by)
    history: list[FieldHistory] = []
    updates: dict[tuple, tuple[dict, list[int]]] = {}  # new slot values: (them, customers)
    extras: dict[int, dict] = {}
    for pk, *olds in rows:
        cleaned = values[pk]
        old = dict(zip(in_slot, olds[: len(in_slot)], strict=True))
        extra = dict(olds[len(in_slot)] or {}) if overflow else {}
        old.update({key: _from_json(definitions[key], extra.get(key)) for key in overflow})
        slot_changed = False
        for key, new in cleaned.items():
            if old[key] == new:
                continue
            definition = definitions[key]
            if definition.in_slot:
                slot_changed = True
            else:
                if new is None:
                    extra.pop(key, None)
                else:
                    extra[key] = to_json_value(new)
                extras[pk] = extra
            history.append(
                FieldHistory(
                    tenant=tenant,
                    customer_id=pk,
                    definition=definition,
                    field_key=key,
                    field_label=definition.field_label,
                    old_value=_as_text(old[key]),
                    new_value=_as_text(new),
                    changed_by=changed_by,
                    reason=reason if isinstance(reason, str) else reason[(pk, key)],
                )
            )
        if slot_changed:
            # Its slot values that already held the value get it again: harmless, and
            # customers given the same values share one branch of the UPDATE.
            new_slots = tuple((columns[key], cleaned[key]) for key in in_slot if key in cleaned)
            updates.setdefault(_group_key(new_slots), (dict(new_slots), []))[1].append(pk)
    if updates:
        _update_slots(host, tenant, list(updates.values()))
    if extras:
        host.objects.bulk_update(
            [host(pk=pk, **{EXTRA_FIELD: extra}) for pk, extra in extras.items()], [EXTRA_FIELD]
        )
    FieldHistory.objects.bulk_create(history)
    return history


def _update_slots(host, tenant: Tenant, groups: list[tuple[dict, list[int]]]) -> None:
    """The slot columns' new values in one UPDATE: one group's values as they are; several
    groups' as a CASE per column over the groups' customers (a customer whose group does not
    set the column keeps its value)."""
    if len(groups) == 1:
        values, pks = groups[0]
        host.objects.filter(tenant=tenant, pk__in=sorted(pks)).update(**values)
        return
    columns = dict.fromkeys(column for values, _ in groups for column in values)
    host.objects.filter(tenant=tenant, pk__in=sorted(pk for _, pks in groups for pk in pks)).update(
        **{
            column: Case(
                *(
                    When(
                        pk__in=sorted(pks),
                        then=Value(values[column], output_field=host._meta.get_field(column)),
                    )
                    for values, pks in groups
                    if column in values
                ),
                default=F(column),
            )
            for column in columns
        }
    )


def _group_key(pairs: tuple) -> tuple:
    """(column, value) pairs as a dict key: a value's type counts (True is not 1) and a
    multi-valued one is a list."""
    return tuple((column, type(value).__name__, repr(value)) for column, value in pairs)
