"""The one condition language over customers (ARCHITECTURE.md rule 9), for campaign audiences
and templates today, and for segments, smart-tag rules and trigger conditions later.

A condition is JSON:

    {"all": [<condition>, …]}    every one holds (an empty "all" matches everyone)
    {"any": [<condition>, …]}    at least one holds
    {"not": <condition>}
    {"field": "<name>", "op": "<operator>", "value": <value>}
    {"segment": <id>}            the customer matches that segment of the tenant's

Fields come from a whitelist: core customer fields, CRM metrics, `tags`, and `custom.<key>` for
the tenant's active custom fields (translated to their slot column by customfields). Nothing the
client sends is used as an ORM path; an unknown field, operator or a badly typed value is a
ValidationError naming where it is (`audience: all[1].op: …`). So is a value the field could
never hold: a text with a NUL byte, or a number outside the column's range (which would
otherwise match nothing, or everything, without a word).

Relative dates: a date or date-time field (core or custom) also takes `more_than_days_ago` and
`within_last_days` with a whole number of days 0..36500, counted back from one "now" taken per
evaluation (date fields: from today in the tenant's time zone). `within_last_days` N holds for
a moment from N days ago up to now (a future date is not "in the last days");
`more_than_days_ago` N for a moment earlier than N days ago. **An empty value matches neither**:
a customer never contacted has no date to be more than 90 days ago. "No contact for 90 days,
never contacted included" says so:
`{"any": [{"field": "last_contacted_at", "op": "more_than_days_ago", "value": 90},
{"field": "last_contacted_at", "op": "is_empty"}]}`.

Activity: `{"field": "activity.<name>", "op": "within_last_days", "value": 30}` (did it at
least once in the last 30 days) or `"op": "is_set"` (ever did it). The activities come from a
registry (`register_activity`), so the apps above crm add theirs (campaigns: campaign_opened,
campaign_clicked) without crm importing them; crm registers note_added.

Segments: `{"segment": <id>}` inlines that segment's condition (not its stored members), so a
segment's stored membership and evaluating its condition always agree. An unknown id is an
error naming it; so is a cycle ("segment 3 refers back to itself through 5"); an inlined
condition counts toward the depth and size limits.

`Compiler.compile_one` also says whether a condition reads the clock (`uses_time`): a relative
date, an activity window, or `crm_score` (whose recency part moves daily). Segments with such a
condition are rebuilt by the scheduled refresh (crm.tasks.refresh_segments).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from customfields.models import FieldDefinition, FieldType
from customfields.selectors.query import ALLOWED, column, custom_field_q
from customfields.services.values import active_definitions
from tenancy.models import Tenant
from tenancy.validators import validate_filter_date

from .models import Customer, CustomerNote, CustomerTag, Segment

MAX_DEPTH = 6
MAX_NODES = 200
MAX_LIST = 500
CUSTOM_PREFIX = "custom."
ACTIVITY_PREFIX = "activity."
MAX_DAYS = 36500
RELATIVE_OPS = {"more_than_days_ago", "within_last_days"}
ACTIVITY_OPS = {"within_last_days", "is_set", "is_empty"}
# Fields whose value moves with the calendar without a change to the customer.
TIME_FIELDS = {"crm_score"}

TEXT_OPS = {"eq", "ne", "contains", "startswith", "in", "is_set", "is_empty"}
NUMBER_OPS = {"eq", "ne", "gt", "gte", "lt", "lte", "in", "is_set", "is_empty"}
DATE_OPS = {"eq", "gt", "gte", "lt", "lte", "is_set", "is_empty", *RELATIVE_OPS}
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


@dataclass(frozen=True)
class Activity:
    """Something a customer does, recorded in a table with a customer and a time.
    `rows(tenant)`: the tenant's rows of it (the compiler adds the window and the customer)."""

    label: str
    rows: Callable[[Tenant], QuerySet]
    customer_field: str = "customer_id"
    time_field: str = "occurred_at"


_activities: dict[str, Activity] = {}


def register_activity(name: str, activity: Activity) -> None:
    """Make `activity.<name>` a condition field (again under the same name: replace it)."""
    _activities[name] = activity


def activities() -> dict[str, Activity]:
    """The registered activities by name (the builders' field lists)."""
    return dict(sorted(_activities.items()))


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


class ConditionProblem(Exception):
    """A bad condition, raised by `Compiler` (its text says where and why)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)


class Compiler:
    """Compiles conditions for one tenant: the custom field definitions (and the segments, on
    the first reference) are read once, so compiling many conditions costs one read."""

    def __init__(
        self,
        tenant: Tenant,
        *,
        now: datetime | None = None,
        segments: Mapping[int, Any] | None = None,
    ):
        """`now`: the moment relative dates count from (one per evaluation). `segments`:
        {id: condition} of the tenant's segments, when the caller has read them (else read on
        the first reference)."""
        self.tenant = tenant
        self.definitions: dict[str, FieldDefinition] = active_definitions(tenant)
        self.now = now or timezone.now()
        self.segments = dict(segments) if segments is not None else None
        self.nodes = 0
        self.uses_time = False
        # The tag names the last condition compiled tests (its referenced segments' too): a
        # change to other tags alone cannot move it.
        self.tags_read: set[str] = set()
        # The fields it reads (core names, `tags`, `custom.<key>`, `activity.<name>`): a change
        # to other fields alone cannot move it.
        self.fields_read: set[str] = set()
        self.inlining: list[int] = []

    def compile_one(self, condition: Any, *, segment_id: int | None = None) -> tuple[Q, bool]:
        """(Q, uses_time) for one condition, with fresh limits. `segment_id`: the segment the
        condition is (or will be) stored in, so a reference back to it is a cycle."""
        self.nodes = 0
        self.uses_time = False
        self.tags_read = set()
        self.fields_read = set()
        self.inlining = [segment_id] if segment_id is not None else []
        if condition in (None, {}):
            return Q(), False
        return self.compile(condition), self.uses_time

    def compile(self, condition: Any, path: str = "", depth: int = 0) -> Q:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ConditionProblem(path, f"A condition has at most {MAX_NODES} parts.")
        if depth > MAX_DEPTH:
            raise ConditionProblem(path, f"Conditions nest at most {MAX_DEPTH} deep.")
        if not isinstance(condition, Mapping):
            raise ConditionProblem(path, "Each condition is an object.")
        keys = set(condition)
        if keys == {"all"} or keys == {"any"}:
            (group,) = keys
            parts = condition[group]
            if not isinstance(parts, list):
                raise ConditionProblem(path, f'"{group}" takes a list of conditions.')
            compiled = [
                self.compile(part, f"{path + '.' if path else ''}{group}[{i}]", depth + 1)
                for i, part in enumerate(parts)
            ]
            if group == "any" and not compiled:
                raise ConditionProblem(path, '"any" needs at least one condition.')
            result = Q()
            for q in compiled:  # Q() combined with q is q
                result = result & q if group == "all" else result | q
            return result
        if keys == {"not"}:
            return ~self.compile(condition["not"], f"{path + '.' if path else ''}not", depth + 1)
        if "field" in keys and keys <= {"field", "op", "value"}:
            return self.rule(condition, path)
        if keys == {"segment"}:
            return self.segment(condition["segment"], f"{path + '.' if path else ''}segment", depth)
        raise ConditionProblem(
            path,
            'Use {"all": […]}, {"any": […]}, {"not": …}, {"field", "op", "value"} '
            'or {"segment": <id>}.',
        )

    def segment(self, ref: Any, at: str, depth: int) -> Q:
        if isinstance(ref, bool) or not isinstance(ref, int):
            raise ConditionProblem(at, "Give a segment's id (a number).")
        if self.segments is None:
            self.segments = dict(
                Segment.objects.for_tenant(self.tenant).values_list("pk", "conditions")
            )
        if ref in self.inlining:
            loop = self.inlining[self.inlining.index(ref) + 1 :]
            if not loop:
                raise ConditionProblem(at, f"Segment {ref} refers to itself.")
            through = ", ".join(str(i) for i in loop)
            raise ConditionProblem(at, f"Segment {ref} refers back to itself through {through}.")
        if ref not in self.segments:
            raise ConditionProblem(at, f"Unknown segment {ref}.")
        self.inlining.append(ref)
        try:
            condition = self.segments[ref]
            if condition in (None, {}):
                return Q(pk__isnull=False)  # everyone, as a Q that is not empty
            return self.compile(condition, at, depth + 1)
        finally:
            self.inlining.pop()

    def rule(self, rule: Mapping, path: str) -> Q:
        name, op = rule.get("field"), rule.get("op")
        at = f"{path + '.' if path else ''}"
        if not isinstance(name, str):
            raise ConditionProblem(at + "field", "Name a field.")
        self.fields_read.add(name)
        if name == "tags":
            return self.tags(op, rule.get("value"), at)
        if name.startswith(CUSTOM_PREFIX):
            return self.custom(name.removeprefix(CUSTOM_PREFIX), op, rule.get("value"), at)
        if name.startswith(ACTIVITY_PREFIX):
            return self.activity(name.removeprefix(ACTIVITY_PREFIX), op, rule.get("value"), at)
        if name not in CORE_FIELDS:
            raise ConditionProblem(at + "field", f"Unknown field '{name}'.")
        kind, col = CORE_FIELDS[name]
        if op not in OPS_BY_KIND[kind]:
            ops = ", ".join(sorted(OPS_BY_KIND[kind]))
            raise ConditionProblem(at + "op", f"'{op}' does not apply to {name}; use one of {ops}.")
        if name in TIME_FIELDS:
            self.uses_time = True
        if op in RELATIVE_OPS:
            return self.relative(col, op, rule.get("value"), at, is_date=False)
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
            raise ConditionProblem(at + "value", str(exc)) from None
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

    def days(self, value: Any, at: str) -> int:
        """A whole number of days (a text of digits too: the builders send text)."""
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
            message = f"Give a whole number of days from 0 to {MAX_DAYS}."
            raise ConditionProblem(at + "value", message)
        return value

    def relative(self, col: str, op: str, value: Any, at: str, *, is_date: bool) -> Q:
        """`more_than_days_ago` / `within_last_days` on a date-time (or date) column. An empty
        value matches neither (see the module's docstring)."""
        days = self.days(value, at)
        self.uses_time = True
        now: date | datetime = self.now
        if is_date:
            now = timezone.localtime(self.now, self.tenant.tzinfo).date()
        cutoff = now - timedelta(days=days)
        if is_date and "__" in col:  # an overflow field: an ISO date text inside the JSON
            now, cutoff = now.isoformat(), cutoff.isoformat()
        if op == "more_than_days_ago":
            return Q(**{f"{col}__lt": cutoff})
        return Q(**{f"{col}__gte": cutoff, f"{col}__lte": now})

    def activity(self, name: str, op: Any, value: Any, at: str) -> Q:
        activity = _activities.get(name)
        if activity is None:
            known = ", ".join(ACTIVITY_PREFIX + n for n in activities()) or "none"
            raise ConditionProblem(at + "field", f"Unknown activity '{name}' (known: {known}).")
        if op not in ACTIVITY_OPS:
            ops = ", ".join(sorted(ACTIVITY_OPS))
            raise ConditionProblem(at + "op", f"Activities take one of {ops}.")
        rows = activity.rows(self.tenant).filter(**{f"{activity.customer_field}__isnull": False})
        if op == "within_last_days":
            since = self.now - timedelta(days=self.days(value, at))
            rows = rows.filter(**{f"{activity.time_field}__gte": since})
            self.uses_time = True
        # Rows without a customer are left out: a NULL in `NOT IN` would make "not" match nobody.
        done = Q(pk__in=rows.values(activity.customer_field))
        return ~done if op == "is_empty" else done

    def tags(self, op: Any, value: Any, at: str) -> Q:
        if op not in TAG_OPS:
            raise ConditionProblem(at + "op", f"Tags take one of {', '.join(sorted(TAG_OPS))}.")
        names = [value] if op == "has" else value
        if (
            not isinstance(names, list)
            or not names
            or len(names) > MAX_LIST
            or not all(isinstance(n, str) and n.strip() for n in names)
        ):
            raise ConditionProblem(at + "value", "Give a tag name (has) or a list of tag names.")
        if any("\x00" in n for n in names):
            raise ConditionProblem(at + "value", NUL_MESSAGE)
        names = sorted({n.strip().lower() for n in names})
        self.tags_read.update(names)

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
            raise ConditionProblem(at + "field", f"Unknown custom field '{key}'.")
        if op in ("is_set", "is_empty"):
            empty = Q(**{f"{column(definition)}__isnull": True})
            return ~empty if op == "is_set" else empty
        if op in RELATIVE_OPS and definition.field_type == FieldType.DATE:
            return self.relative(column(definition), op, value, at, is_date=True)
        if op not in CUSTOM_OPS:
            ops = ", ".join(sorted({*CUSTOM_OPS, "is_set", "is_empty"}))
            raise ConditionProblem(at + "op", f"Custom fields take one of {ops}.")
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
            raise ConditionProblem(at + "value", " ".join(exc.messages)) from None


def _text(value: Any) -> str:
    """customfields' translation types values from text, as they arrive in a query string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError(NUL_MESSAGE)
    if isinstance(value, int | float | Decimal | str):
        return str(value)
    raise ValidationError("Give a text, number or true/false value.")


def field_operators(name: str, *, definitions: Mapping[str, FieldDefinition]) -> frozenset[str]:
    """The operators the compiler takes for the field `name` (core, `tags`, `custom.<key>` of
    `definitions`, `activity.<name>`): what the builders offer. Empty for an unknown field."""
    if name == "tags":
        return frozenset(TAG_OPS)
    if name.startswith(ACTIVITY_PREFIX):
        known = name.removeprefix(ACTIVITY_PREFIX) in _activities
        return frozenset(ACTIVITY_OPS) if known else frozenset()
    if name.startswith(CUSTOM_PREFIX):
        definition = definitions.get(name.removeprefix(CUSTOM_PREFIX))
        if definition is None:
            return frozenset()
        # As Compiler.custom: "in" types each value as an "is"; the rest as customfields allows.
        allowed = ALLOWED[definition.field_type]
        ops = {"is_set", "is_empty", "in"}
        ops |= {op for op, lookup in CUSTOM_OPS.items() if lookup in allowed}
        if definition.field_type == FieldType.DATE:
            ops |= RELATIVE_OPS
        return frozenset(ops)
    if name in CORE_FIELDS:
        return frozenset(OPS_BY_KIND[CORE_FIELDS[name][0]])
    return frozenset()


def compile_condition(
    condition: Any,
    *,
    tenant: Tenant,
    field: str = "audience",
    now: datetime | None = None,
    segment_id: int | None = None,
) -> Q:
    """The condition as a Q over crm.Customer; an empty condition matches every customer.
    Raises ValidationError({field: [message]})."""
    return analyse_condition(condition, tenant=tenant, field=field, now=now, segment_id=segment_id)[
        0
    ]


def analyse_condition(
    condition: Any,
    *,
    tenant: Tenant,
    field: str = "audience",
    now: datetime | None = None,
    segment_id: int | None = None,
) -> tuple[Q, bool]:
    """(Q, uses_time): the condition compiled, and whether it reads the clock (a relative
    date, an activity window, crm_score) — such segments are refreshed on a schedule.
    `segment_id`: the segment the condition belongs to (a reference back to it is a cycle)."""
    try:
        return Compiler(tenant, now=now).compile_one(condition, segment_id=segment_id)
    except ConditionProblem as problem:
        raise ValidationError({field: [str(problem)]}) from None


def uses_time(condition: Any, *, tenant: Tenant) -> bool:
    """Whether the condition (its referenced segments inlined) reads the clock."""
    return analyse_condition(condition, tenant=tenant)[1]


def rename_tag(condition: Any, old: str, new: str) -> tuple[Any, bool]:
    """The condition with tag `old` named `new` wherever it tests tags (a merged or renamed tag),
    and whether anything changed. Everything else is kept as it is, valid or not."""
    changed = False

    def walk(node: Any) -> Any:
        nonlocal changed
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, Mapping):
            return node
        out = {
            key: walk(value) if key in ("all", "any", "not") else value
            for key, value in node.items()
        }
        if out.get("field") == "tags":
            value = out.get("value")
            if isinstance(value, str) and value.strip().lower() == old:
                out["value"], changed = new, True
            elif isinstance(value, list) and any(
                isinstance(v, str) and v.strip().lower() == old for v in value
            ):
                names = [
                    new if isinstance(v, str) and v.strip().lower() == old else v for v in value
                ]
                out["value"], changed = list(dict.fromkeys(names)), True
        return out

    return walk(condition), changed


def register_crm_activities() -> None:
    """crm's own activities (CrmConfig.ready): a note written on the customer."""
    register_activity(
        "note_added",
        Activity(
            label="Note added",
            rows=lambda tenant: CustomerNote.objects.for_tenant(tenant),
            time_field="created_at",
        ),
    )
