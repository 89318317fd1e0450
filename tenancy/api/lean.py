"""List pages of the API written straight from database rows.

A list page of 50 leads through DRF builds 200 model instances (the lead and three related
rows), deep-copies the serializer's ~30 fields, and asks each field for each row's value: about
a third of the request's CPU. LeanListMixin reads the page with `values()` instead — only the
columns the serializer shows, the related codes by join — and writes each row by a plan made
once per serializer class:

- a model column (a relation's id for a pk-only field, `a.b` as the lookup `a__b`, a slug
  field's column through its relation) is read from the row and given to the field's own
  `to_representation` (text columns as they are: CharField's `str()` of a `str` is itself);
- a read-only model property (`days_since_created`) is computed by the model's own property on
  the row (an object with the row's columns and the model's properties), so its rule is not
  written twice;
- anything the viewset supplies per page (`lean_extras`: the tags of the page's rows by one
  statement, the custom values from the slots) by its own function, as the value written, with
  the columns it needs named by `lean_lookups()`;
- None is None, as DRF writes it.

A serializer field the plan cannot read that way (a many-relation, a nested serializer, a
method field…) makes the viewset use DRF's path, so a list is never wrong for being fast; the
API's tests compare the rows with DRF's serialisation of the whole objects
(tests/crm/test_lean_lists.py). Only the list action takes this path, and only over a queryset
(customfields' ValuesThenEmpty, two querysets in one order, goes through DRF).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import fields as drf_fields
from rest_framework import relations
from rest_framework.response import Response
from rest_framework.settings import ISO_8601, api_settings

# A viewset's per-page values: (view, rows) -> one value per row, in the rows' order.
Extra = Callable[[Any, Sequence[Any]], Sequence[Any]]


class Unreadable(Exception):
    """A serializer field the plan cannot read from a row."""


@dataclass(frozen=True)
class Output:
    name: str  # the key in the row written
    read: Callable[[Any], Any] | None  # from the row (None: from an extra)
    represent: Callable[[Any], Any]
    stamp: bool = False  # a DRF DateTimeField in ISO 8601: see _stamp


@dataclass(frozen=True)
class Plan:
    lookups: tuple[str, ...]  # what values() reads
    outputs: tuple[Output, ...]
    row_class: type
    extras: tuple[str, ...]  # the outputs filled per page by the viewset's lean_extras


def _text(represent):
    """CharField and its subclasses that keep its `to_representation` (str(value))."""

    def write(value):
        return value if type(value) is str else represent(value)

    return write


def _represent(field) -> Callable[[Any], Any]:
    if type(field).to_representation is drf_fields.CharField.to_representation:
        return _text(field.to_representation)
    if type(field).to_representation is drf_fields.IntegerField.to_representation:
        represent = field.to_representation
        return lambda value: value if type(value) is int else represent(value)
    return field.to_representation


def _is_iso_stamp(field) -> bool:
    """A DateTimeField written as DRF writes it by default: ISO 8601 in the current zone."""
    klass = type(field)
    drf = drf_fields.DateTimeField
    return (
        isinstance(field, drf)
        and klass.to_representation is drf.to_representation
        and klass.enforce_timezone is drf.enforce_timezone
        and klass.default_timezone is drf.default_timezone
        and not hasattr(field, "timezone")
        and (getattr(field, "format", api_settings.DATETIME_FORMAT) or "").lower() == ISO_8601
    )


def _stamp(value, zone, represent):
    """DateTimeField.to_representation of an aware datetime with the zone read once per page
    (not once per value); anything else through the field itself."""
    if type(value) is datetime and zone is not None and value.utcoffset() is not None:
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return represent(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return represent(value)


def _identity(value):
    return value


def _attr(name: str):
    def read(row):
        return getattr(row, name)

    return read


def _model_path(model, attrs: Sequence[str], *, allow_null: bool = True) -> str:
    """`a.b.c` on `model` as a values() lookup, through forward to-one relations to a
    concrete column; Unreadable otherwise, and for a nullable relation on the way when the
    field does not allow null (DRF leaves such a field out of the row; a row reads None)."""
    parts = []
    for i, attr in enumerate(attrs):
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            raise Unreadable(".".join(attrs)) from None
        last = i == len(attrs) - 1
        if last:
            if field.is_relation or not field.concrete:
                raise Unreadable(".".join(attrs))
            parts.append(field.name)
        else:
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                raise Unreadable(".".join(attrs))
            if field.null and not allow_null:
                raise Unreadable(".".join(attrs))
            parts.append(field.name)
            model = field.related_model
    return "__".join(parts)


def _property(model, attrs: Sequence[str]):
    if len(attrs) != 1:
        return None
    candidate = getattr(model, attrs[0], None)
    return candidate if isinstance(candidate, property) else None


class Row:
    """One row's columns as attributes (its values() dict is its __dict__)."""

    def __init__(self, values: dict):
        self.__dict__ = values


def _row_class(model) -> type:
    """Rows with the model's properties, so a property can use the row's columns and the
    model's other properties as it does on an instance."""
    properties = {
        name: value
        for klass in reversed(model.__mro__)
        if klass is not models.Model and issubclass(klass, models.Model)
        for name, value in vars(klass).items()
        if isinstance(value, property)
    }
    pk = model._meta.pk.attname
    properties["pk"] = property(lambda row: getattr(row, pk))
    return type(f"{model.__name__}Row", (Row,), properties)


def build_plan(serializer, model, extras: Mapping[str, Extra]) -> Plan:
    """The plan for `serializer`'s readable fields over `model`; Unreadable when one of them
    cannot be read from a row."""
    pk = model._meta.pk.attname
    lookups: dict[str, None] = {pk: None}
    outputs = []
    for field in serializer._readable_fields:
        name = field.field_name
        if name in extras:
            outputs.append(Output(name, None, _identity))  # the extra gives the value written
            continue
        attrs = field.source_attrs
        if field.source == "*" or isinstance(field, relations.ManyRelatedField):
            raise Unreadable(name)
        if isinstance(field, relations.PrimaryKeyRelatedField):
            if field.pk_field is not None or len(attrs) != 1:
                raise Unreadable(name)
            try:
                relation = model._meta.get_field(attrs[0])
            except FieldDoesNotExist:
                raise Unreadable(name) from None
            if not (relation.many_to_one or relation.one_to_one) or not relation.concrete:
                raise Unreadable(name)
            lookups[relation.attname] = None
            outputs.append(Output(name, _attr(relation.attname), _identity))
            continue
        if isinstance(field, relations.SlugRelatedField):
            if (
                type(field).to_representation is not relations.SlugRelatedField.to_representation
                or len(attrs) != 1
            ):
                raise Unreadable(name)
            lookup = _model_path(model, [attrs[0], *field.slug_field.split("__")])
            lookups[lookup] = None
            outputs.append(Output(name, _attr(lookup), _identity))
            continue
        if isinstance(field, relations.RelatedField | drf_fields.SerializerMethodField):
            raise Unreadable(name)
        computed = _property(model, attrs)
        if computed is not None:
            outputs.append(Output(name, computed.fget, _represent(field)))
            continue
        if hasattr(field, "child") or hasattr(field, "fields"):
            raise Unreadable(name)  # a list, dict or nested serializer of a column
        lookup = _model_path(model, attrs, allow_null=field.allow_null)
        lookups[lookup] = None
        outputs.append(Output(name, _attr(lookup), _represent(field), _is_iso_stamp(field)))
    return Plan(
        lookups=tuple(lookups),
        outputs=tuple(outputs),
        row_class=_row_class(model),
        extras=tuple(name for name in extras),
    )


def write_rows(plan: Plan, values: Sequence[Mapping[str, Any]], view, extras) -> list[dict]:
    """The serializer's rows for `values` (dicts from values(plan.lookups))."""
    rows = [plan.row_class(value) for value in values]
    supplied = {name: extras[name](view, rows) for name in plan.extras}
    zone = timezone.get_current_timezone() if settings.USE_TZ else None
    written = []
    for index, row in enumerate(rows):
        out = {}
        for output in plan.outputs:
            if output.read is None:
                out[output.name] = supplied[output.name][index]
                continue
            value = output.read(row)
            if value is None:
                out[output.name] = None
            elif output.stamp:
                out[output.name] = _stamp(value, zone, output.represent)
            else:
                out[output.name] = output.represent(value)
        written.append(out)
    return written


class LeanRows:
    """A list's rows for the paginators: sliced as `values(*lookups)`, counted as the
    queryset itself (tenancy.pagination counts `.queryset`), since the values' joins for the
    related codes would make every counted row join them too."""

    ordered = True

    def __init__(self, queryset: QuerySet, lookups: Sequence[str]):
        self.queryset = queryset
        self.values = queryset.prefetch_related(None).values(*lookups)

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self.values)

    def __getitem__(self, key):
        return self.values[key]


# Plans by viewset and serializer class: made from the class's fields, which must not depend on
# the request (a serializer whose fields do must not be given a LeanListMixin viewset).
_PLANS: dict[tuple[type, type], Plan | None] = {}


class LeanListMixin:
    """For a model viewset: `list` reads its page as rows and writes them by the plan of its
    serializer class (see the module's docstring). `lean_extras`: field name -> function of
    (view, rows) giving each row's value, for what a row's columns do not hold."""

    lean_extras: Mapping[str, Extra] = {}

    def lean_lookups(self) -> Sequence[str]:
        """More columns for the rows than the plan's: what `lean_extras` read (this request's)."""
        return ()

    def lean_plan(self) -> Plan | None:
        key = (type(self), self.get_serializer_class())
        try:
            return _PLANS[key]
        except KeyError:
            pass
        try:
            plan = build_plan(key[1](context={}), self.queryset.model, self.lean_extras)
        except Unreadable:
            plan = None
        _PLANS[key] = plan
        return plan

    def list(self, request, *args, **kwargs):
        plan = self.lean_plan()
        if plan is None:
            return super().list(request, *args, **kwargs)
        listed = self.filter_queryset(self.get_queryset())
        if not isinstance(listed, QuerySet):  # an ordering wrapper (ValuesThenEmpty)
            return self._drf_list(listed)
        rows = LeanRows(listed, [*plan.lookups, *self.lean_lookups()])
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(write_rows(plan, list(rows), self, self.lean_extras))
        return self.get_paginated_response(write_rows(plan, page, self, self.lean_extras))

    def _drf_list(self, listed):
        """DRF's own list of an already filtered `listed`."""
        page = self.paginate_queryset(listed)
        if page is None:
            return Response(self.get_serializer(listed, many=True).data)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
