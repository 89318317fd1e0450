"""The one condition language over customers (ARCHITECTURE.md rule 9), for campaign audiences
and templates today, and for segments, smart-tag rules and trigger conditions later.

A condition is JSON:

    {"all": [<condition>, …]}    every one holds (an empty "all" matches everyone)
    {"any": [<condition>, …]}    at least one holds
    {"not": <condition>}
    {"field": "<name>", "op": "<operator>", "value": <value>}

Fields come from a whitelist: core customer fields, CRM metrics, `tags`, and `custom.<key>` for
the tenant's active custom fields (translated to their slot column by customfields). Nothing the
client sends is used as an ORM path; an unknown field, operator or a badly typed value is a
ValidationError naming where it is (`audience: all[1].op: …`). So is a value the field could
never hold: a text with a NUL byte, or a number outside the column's range (which would
otherwise match nothing, or everything, without a word).
"""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.utils.dateparse import parse_datetime

from customfields.models import FieldDefinition
from customfields.selectors.query import column, custom_field_q
from customfields.services.values import active_definitions
from tenancy.models import Tenant
from tenancy.validators import validate_filter_date

from .models import Customer, CustomerTag

MAX_DEPTH = 6
MAX_NODES = 200
MAX_LIST = 500
CUSTOM_PREFIX = "custom."

TEXT_OPS = {"eq", "ne", "contains", "startswith", "in", "is_set", "is_empty"}
NUMBER_OPS = {"eq", "ne", "gt", "gte", "lt", "lte", "in", "is_set", "is_empty"}
DATE_OPS = {"eq", "gt", "gte", "lt", "lte", "is_set", "is_empty"}
TAG_OPS = {"has", "has_any", "has_all", "has_none"}
# Custom fields accept what customfields' translation supports for their type.
CUSTOM_OPS = {"eq": "", "gte": "gte", "lte": "lte", "contains": "contains", "in": "in"}

# name: (kind, column). Kinds decide the operators and how values are typed.
CORE_FIELDS = {
    "first_name": ("text", "first_name"),
    "last_name": ("text", "last_name"),
    "email": ("text", "email"),
    "phone": ("text", "phone"),
    "company": ("text", "company"),
    "created_at": ("datetime", "created_at"),
    # CRM metrics
    "crm_score": ("number", "crm_score"),
    "total_interactions": ("number", "total_interactions"),
    "total_purchases": ("number", "total_purchases"),
    "total_spent": ("number", "total_spent"),
    "last_contacted_at": ("datetime", "last_contacted_at"),
}
OPS_BY_KIND = {"text": TEXT_OPS, "number": NUMBER_OPS, "datetime": DATE_OPS}
LOOKUP = {
    "eq": "exact",
    "gt": "gt",
    "gte": "gte",
    "lt": "lt",
    "lte": "lte",
    "contains": "icontains",
    "startswith": "istartswith",
    "in": "in",
}
NUL_MESSAGE = "Null characters are not allowed."


def number_range(column: str) -> tuple[Decimal, Decimal]:
    """The numbers a core number column can hold: a decimal's digits, an integer's storage
    (a positive integer's column is compared with negative numbers too: its signed range)."""
    field = Customer._meta.get_field(column)
    if isinstance(field, models.DecimalField):
        step = Decimal(10) ** -field.decimal_places
        largest = Decimal(10) ** (field.max_digits - field.decimal_places) - step
        return -largest, largest
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return Decimal(min(low, -high - 1)), Decimal(high)


class _Problem(Exception):
    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)


class Compiler:
    """Compiles one condition for one tenant (the custom field definitions are read once)."""

    def __init__(self, tenant: Tenant):
        self.tenant = tenant
        self.definitions: dict[str, FieldDefinition] = active_definitions(tenant)
        self.nodes = 0

    def compile(self, condition: Any, path: str = "", depth: int = 0) -> Q:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Problem(path, f"A condition has at most {MAX_NODES} parts.")
        if depth > MAX_DEPTH:
            raise _Problem(path, f"Conditions nest at most {MAX_DEPTH} deep.")
        if not isinstance(condition, Mapping):
            raise _Problem(path, "Each condition is an object.")
        keys = set(condition)
        if keys == {"all"} or keys == {"any"}:
            (group,) = keys
            parts = condition[group]
            if not isinstance(parts, list):
                raise _Problem(path, f'"{group}" takes a list of conditions.')
            compiled = [
                self.compile(part, f"{path + '.' if path else ''}{group}[{i}]", depth + 1)
                for i, part in enumerate(parts)
            ]
            if group == "any" and not compiled:
                raise _Problem(path, '"any" needs at least one condition.')
            result = Q()
            for q in compiled:  # Q() combined with q is q
                result = result & q if group == "all" else result | q
            return result
        if keys == {"not"}:
            return ~self.compile(condition["not"], f"{path + '.' if path else ''}not", depth + 1)
        if "field" in keys and keys <= {"field", "op", "value"}:
            return self.rule(condition, path)
        raise _Problem(
            path, 'Use {"all": […]}, {"any": […]}, {"not": …} or {"field", "op", "value"}.'
        )

    def rule(self, rule: Mapping, path: str) -> Q:
        name, op = rule.get("field"), rule.get("op")
        at = f"{path + '.' if path else ''}"
        if not isinstance(name, str):
            raise _Problem(at + "field", "Name a field.")
        if name == "tags":
            return self.tags(op, rule.get("value"), at)
        if name.startswith(CUSTOM_PREFIX):
            return self.custom(name.removeprefix(CUSTOM_PREFIX), op, rule.get("value"), at)
        if name not in CORE_FIELDS:
            raise _Problem(at + "field", f"Unknown field '{name}'.")
        kind, col = CORE_FIELDS[name]
        if op not in OPS_BY_KIND[kind]:
            ops = ", ".join(sorted(OPS_BY_KIND[kind]))
            raise _Problem(at + "op", f"'{op}' does not apply to {name}; use one of {ops}.")
        if op in ("is_set", "is_empty"):
            empty = Q(**{f"{col}__isnull": True})
            if kind == "text":
                empty |= Q(**{col: ""})
            return ~empty if op == "is_set" else empty
        value = rule.get("value")
        try:
            if op == "in":
                if not isinstance(value, list) or not value or len(value) > MAX_LIST:
                    raise ValueError(f"'in' takes a list of 1 to {MAX_LIST} values.")
                typed: Any = [self.typed(kind, v, col) for v in value]
            else:
                typed = self.typed(kind, value, col)
        except ValueError as exc:
            raise _Problem(at + "value", str(exc)) from None
        if op == "ne":
            return ~Q(**{col: typed})
        return Q(**{f"{col}__{LOOKUP[op]}": typed})

    @staticmethod
    def typed(kind: str, value: Any, col: str) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(NUL_MESSAGE)
        if kind == "text":
            if not isinstance(value, str) or not value.strip() or len(value) > 500:
                raise ValueError("Give a text of 1 to 500 characters.")
            return value.strip()
        if kind == "number":
            if isinstance(value, bool):
                raise ValueError("Give a number.")
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                raise ValueError("Give a number.") from None
            if not number.is_finite():
                raise ValueError("Give a number.")
            low, high = number_range(col)
            if not low <= number <= high:
                raise ValueError(f"Give a number between {low} and {high}.")
            return number
        moment: date | None = value if isinstance(value, datetime | date) else None
        if isinstance(value, str):
            try:
                moment = parse_datetime(value) or date.fromisoformat(value)
            except ValueError:
                moment = None
        if moment is None:
            raise ValueError("Give a date (YYYY-MM-DD) or a date-time (ISO 8601).")
        try:
            validate_filter_date(moment)
        except ValidationError as exc:
            raise ValueError(exc.messages[0]) from None
        return moment

    def tags(self, op: Any, value: Any, at: str) -> Q:
        if op not in TAG_OPS:
            raise _Problem(at + "op", f"Tags take one of {', '.join(sorted(TAG_OPS))}.")
        names = [value] if op == "has" else value
        if (
            not isinstance(names, list)
            or not names
            or len(names) > MAX_LIST
            or not all(isinstance(n, str) and n.strip() for n in names)
        ):
            raise _Problem(at + "value", "Give a tag name (has) or a list of tag names.")
        if any("\x00" in n for n in names):
            raise _Problem(at + "value", NUL_MESSAGE)
        names = sorted({n.strip().lower() for n in names})

        def tagged(name_filter: dict) -> Q:
            # A correlated EXISTS, not `pk IN (links)`: re-evaluating one changed customer then
            # looks up its own links instead of reading every link of the tag.
            links = CustomerTag.objects.filter(
                tenant=self.tenant, customer=OuterRef("pk"), **name_filter
            )
            return Q(Exists(links))

        if op == "has_all":
            result = Q()
            for name in names:
                result &= tagged({"tag__name": name})
            return result
        matched = tagged({"tag__name__in": names})
        return ~matched if op == "has_none" else matched

    def custom(self, key: str, op: Any, value: Any, at: str) -> Q:
        definition = self.definitions.get(key)
        if definition is None:
            raise _Problem(at + "field", f"Unknown custom field '{key}'.")
        if op in ("is_set", "is_empty"):
            empty = Q(**{f"{column(definition)}__isnull": True})
            return ~empty if op == "is_set" else empty
        if op not in CUSTOM_OPS:
            ops = ", ".join(sorted({*CUSTOM_OPS, "is_set", "is_empty"}))
            raise _Problem(at + "op", f"Custom fields take one of {ops}.")
        try:
            if op == "in":
                if not isinstance(value, list) or not value or len(value) > MAX_LIST:
                    raise ValidationError(f"'in' takes a list of 1 to {MAX_LIST} values.")
                result = Q()
                for item in value:  # each value typed and translated on its own
                    result |= custom_field_q(definition, "", _text(item))
                return result
            return custom_field_q(definition, CUSTOM_OPS[op], _text(value))
        except ValidationError as exc:
            raise _Problem(at + "value", " ".join(exc.messages)) from None


def _text(value: Any) -> str:
    """customfields' translation types values from text, as they arrive in a query string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError(NUL_MESSAGE)
    if isinstance(value, int | float | Decimal | str):
        return str(value)
    raise ValidationError("Give a text, number or true/false value.")


def compile_condition(condition: Any, *, tenant: Tenant, field: str = "audience") -> Q:
    """The condition as a Q over crm.Customer; an empty condition matches every customer.
    Raises ValidationError({field: [message]})."""
    if condition in (None, {}):
        return Q()
    try:
        return Compiler(tenant).compile(condition)
    except _Problem as problem:
        raise ValidationError({field: [str(problem)]}) from None
