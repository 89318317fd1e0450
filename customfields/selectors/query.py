"""Filtering and ordering customers by custom field key: the one place that turns
`cf_<key>[__gte|__lte|__contains|__in]=value`, its form for generated clients
`custom_field_filter=<key>[__<operator>]:<value>` (repeatable), and `ordering=cf_<key>` into a
query on the field's slot column, or on its key inside `custom_fields_extra` for overflow
fields."""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, OrderBy, Q, QuerySet
from django.db.models.fields.json import KeyTransform
from django.utils.functional import cached_property

from tenancy.models import Tenant
from tenancy.validators import FILTER_LIST_MAX_VALUES

from ..models import FieldDefinition, FieldType
from ..services.values import active_definitions, coerce_value, to_json_value

PREFIX = "cf_"
# The one parameter name a generated client can send: `custom_field_filter=loyalty_points__gte:100`,
# repeated for several conditions (all must hold).
FILTER_PARAM = "custom_field_filter"
FILTER_PATTERN = r"^[a-z][a-z0-9_]*(__(gte|lte|contains|in))?:"
MAX_FILTERS = 20
LOOKUPS = {"": "exact", "gte": "gte", "lte": "lte", "contains": "icontains", "in": "in"}
ALLOWED = {
    FieldType.TEXT: {"", "contains", "in"},
    FieldType.NUMBER: {"", "gte", "lte", "in"},
    FieldType.DATE: {"", "gte", "lte", "in"},
    FieldType.BOOLEAN: {""},
    FieldType.EMAIL: {"", "contains", "in"},
    FieldType.PHONE: {"", "contains", "in"},
    FieldType.URL: {"", "contains"},
    FieldType.SELECT: {"", "in"},
}
MAX_IN_VALUES = FILTER_LIST_MAX_VALUES


def column(definition: FieldDefinition) -> str:
    return definition.mapped_field_name or f"custom_fields_extra__{definition.field_key}"


def _typed(definition: FieldDefinition, raw: str) -> Any:
    """A filter value typed like a stored one (required-ness does not apply to filters)."""
    if not raw.strip():
        raise ValidationError(f"Give a value to filter {definition.field_label} by.")
    probe = FieldDefinition(
        field_key=definition.field_key,
        field_label=definition.field_label,
        field_type=definition.field_type,
        select_options=definition.select_options,
    )
    try:
        value = coerce_value(probe, raw)
    except ValidationError as exc:
        raise ValidationError(exc.messages) from None
    return value if definition.in_slot else to_json_value(value)


def custom_field_q(definition: FieldDefinition, lookup: str, raw: str) -> Q:
    if lookup not in ALLOWED[definition.field_type]:
        usable = ", ".join(
            f"cf_{definition.field_key}" + (f"__{x}" if x else "")
            for x in sorted(ALLOWED[definition.field_type])
        )
        raise ValidationError(f"{definition.field_label} can be filtered with {usable}.")
    if lookup == "contains":
        value: Any = raw.strip()
        if not value:
            raise ValidationError(f"Give a value to filter {definition.field_label} by.")
    elif lookup == "in":
        parts = [part for part in raw.split(",") if part.strip()]
        if not parts:
            raise ValidationError(f"Give 1 to {MAX_IN_VALUES} comma-separated values.")
        if len(parts) > MAX_IN_VALUES:
            raise ValidationError(
                f"Give at most {MAX_IN_VALUES} comma-separated values ({len(parts)} given)."
            )
        value = [_typed(definition, part) for part in parts]
    else:
        value = _typed(definition, raw)
    return Q(**{f"{column(definition)}__{LOOKUPS[lookup]}": value})


def split_param(name: str) -> tuple[str, str]:
    """'cf_loyalty_points__gte' -> ('loyalty_points', 'gte')."""
    key, _, lookup = name[len(PREFIX) :].partition("__")
    return key, lookup


def _entries(params: Mapping[str, Any]) -> list[str]:
    """The `custom_field_filter` values of a query (a QueryDict, or a plain mapping)."""
    if hasattr(params, "getlist"):
        return params.getlist(FILTER_PARAM)
    value = params.get(FILTER_PARAM)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def requested_filters(
    params: Mapping[str, Any],
) -> tuple[list[tuple[str, str, str, str]], dict[str, list[str]]]:
    """Every custom-field filter `params` ask for, in either form, as (the parameter an error
    names, field key, lookup, raw value), and the errors of `custom_field_filter` values that
    are not `<key>[__<operator>]:<value>`."""
    wanted = [
        (name, *split_param(name), value)
        for name, value in params.items()
        if name.startswith(PREFIX)
    ]
    errors: dict[str, list[str]] = {}
    entries = _entries(params)
    if len(entries) > MAX_FILTERS:
        message = f"Give at most {MAX_FILTERS} custom field filters ({len(entries)} given)."
        return wanted, {FILTER_PARAM: [message]}
    for entry in entries:
        target, colon, raw = entry.partition(":")
        if not colon or not target:
            errors.setdefault(FILTER_PARAM, []).append(
                f"'{entry[:60]}' is not <field_key>[__<operator>]:<value>."
            )
            continue
        key, _, lookup = target.partition("__")
        wanted.append((FILTER_PARAM, key, lookup, raw))
    return wanted, errors


def filter_customers(
    queryset: QuerySet,
    *,
    tenant: Tenant,
    params: Mapping[str, Any],
    definitions: Mapping[str, FieldDefinition] | None = None,
) -> QuerySet:
    """Apply every `cf_*` and `custom_field_filter` parameter; unknown fields, lookups or bad
    values are a ValidationError naming the parameter (a `custom_field_filter` message starts
    with the field and operator it is about), and nothing else is filtered silently.
    `definitions`: the tenant's active ones when the caller has them already."""
    wanted, errors = requested_filters(params)
    if errors:
        raise ValidationError(errors)
    if not wanted:
        return queryset
    if definitions is None:
        definitions = active_definitions(tenant)
    for name, key, lookup, raw in wanted:
        messages: list[str] = []
        definition = definitions.get(key)
        if definition is None:
            messages = ["Unknown custom field."]
        elif lookup not in LOOKUPS:
            messages = [f"Unknown filter '{lookup}'; use gte, lte, contains or in."]
        else:
            try:
                queryset = queryset.filter(custom_field_q(definition, lookup, raw))
            except ValidationError as exc:
                messages = exc.messages
        if messages and name == FILTER_PARAM:
            target = key + (f"__{lookup}" if lookup else "")
            messages = [f"{target}: {message}" for message in messages]
        if messages:
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return queryset


def filtered_keys(params: Mapping[str, Any]) -> set[str]:
    """The keys of the fields that `params` filter on (a non-blank value in either form)."""
    wanted, _ = requested_filters(params)
    return {key for _, key, _, raw in wanted if str(raw).strip()}


def custom_field_ordering(
    definition: FieldDefinition, *, descending: bool, filtered: bool = False
) -> OrderBy:
    """Values first, empty last, whichever the direction.

    A slot's index (`WHERE slot IS NOT NULL`, ascending) serves `ASC NULLS LAST` read forwards
    and `DESC NULLS FIRST` read backwards, but not `DESC NULLS LAST`: that ordering sorts every
    row of the tenant that has a value (190 ms at 200K customers against 3 ms). When the same
    field is filtered on (`filtered`; every `cf_` lookup excludes empty values) there are no
    NULLs to place, so a plain `DESC` gives the same rows and lets the index be read backwards.
    """
    if definition.in_slot:
        expression = F(definition.mapped_field_name)
    else:
        expression = KeyTransform(definition.field_key, "custom_fields_extra")
    if not descending:
        return expression.asc(nulls_last=True)
    if filtered and definition.in_slot:
        return expression.desc()
    return expression.desc(nulls_last=True)


class ValuesThenEmpty:
    """Customers ordered by a slot field with the empty values last, read as two queries.

    A slot's index is partial (`WHERE slot IS NOT NULL`), so it serves only a query that
    excludes empty values; `ORDER BY slot … NULLS LAST` over a whole list sorted every customer
    of the tenant instead (~200 ms at 200,000). Here the customers with a value come in index
    order, then the empty ones by `then` (or newest first) — the same order, a page at a time.
    Sliced and counted like a queryset, for Django's and DRF's paginators."""

    ordered = True

    def __init__(
        self,
        queryset: QuerySet,
        definition: FieldDefinition,
        *,
        descending: bool,
        then: Sequence = (),
    ):
        column = definition.mapped_field_name
        key = F(column).desc() if descending else F(column).asc()
        self.queryset = queryset
        self.values = queryset.filter(**{f"{column}__isnull": False}).order_by(key, *then)
        self.empty = queryset.filter(**{f"{column}__isnull": True}).order_by(*(then or ["-id"]))

    @cached_property
    def _with_value(self) -> int:
        return self.values.count()

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator:
        yield from self.values
        yield from self.empty

    def __getitem__(self, key):
        if isinstance(key, int):
            rows = self[key : key + 1]
            if not rows:
                raise IndexError(key)
            return rows[0]
        if key.step not in (None, 1):
            raise ValueError("Only contiguous slices.")
        start = key.start or 0
        stop = self.count() if key.stop is None else key.stop
        if start == 0:  # the first page needs no count unless the values run out
            rows = list(self.values[:stop])
            if len(rows) >= stop:
                return rows
            split = len(rows)
        else:  # a later page: count the values (index-only) rather than read past them
            split = self._with_value
            rows = list(self.values[start : min(stop, split)]) if start < split else []
        if stop > split:
            rows += list(self.empty[max(start - split, 0) : stop - split])
        return rows


def order_by_custom_field(
    queryset: QuerySet,
    definition: FieldDefinition,
    *,
    descending: bool,
    filtered: bool,
    then: Sequence = (),
) -> "QuerySet | ValuesThenEmpty":
    """`queryset` ordered by the field, values first and empty last, then by `then`: in one
    query when the slot's index can serve it (the field is filtered on) or there is no index
    (an overflow field), else in two (`ValuesThenEmpty`)."""
    if definition.in_slot and not filtered:
        return ValuesThenEmpty(queryset, definition, descending=descending, then=then)
    order = custom_field_ordering(definition, descending=descending, filtered=filtered)
    return queryset.order_by(order, *then)
