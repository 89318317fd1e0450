"""Serializer output as DRF gives it, for less: a list page serialises 50 rows of ~30 fields,
and DRF's `Field.get_attribute` (a Mapping check and an `inspect.signature` per attribute, a
PKOnlyObject per relation) cost about half of it. LeanRepresentationMixin reads each field's
value with a plan made once per serializer (plain `getattr`, the id column of a relation) and
falls back to the field's own `get_attribute` whenever the plan does not apply, so the output is
the same (tests/tenancy/test_representation.py compares them field by field)."""

from collections.abc import Callable
from types import MethodType

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.utils.functional import cached_property
from rest_framework import relations
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

Reader = Callable[[object], object]


def _related_id_reader(field, model) -> Reader | None:
    """A pk-only relation (PrimaryKeyRelatedField and its tenant subclasses) on a model column:
    its `<name>_id`, as DRF reads it through `serializable_value`."""
    if model is None or len(field.source_attrs) != 1:
        return None
    try:
        attname = model._meta.get_field(field.source_attrs[0]).attname
    except FieldDoesNotExist:
        return None

    def read(instance):
        return PKOnlyObject(pk=getattr(instance, attname))

    return read


def _attribute_reader(field) -> Reader:
    """`a.b.c` by getattr, calling a bound method (`tag_names`) as DRF does; anything unusual
    (a missing object, a None on the way, a mapping) goes through the field's own reading."""
    attrs = field.source_attrs

    def read(instance):
        value = instance
        try:
            for attr in attrs:
                if isinstance(value, dict):
                    raise KeyError(attr)
                value = getattr(value, attr)
                if type(value) is MethodType:
                    value = value()
        except (AttributeError, KeyError, ObjectDoesNotExist):
            return field.get_attribute(instance)
        return value

    return read


def _reader(field, model) -> Reader:
    if field.source == "*" or isinstance(field, relations.ManyRelatedField):
        return field.get_attribute
    if isinstance(field, relations.RelatedField):
        if field.use_pk_only_optimization():
            return _related_id_reader(field, model) or field.get_attribute
        return field.get_attribute if len(field.source_attrs) != 1 else _attribute_reader(field)
    return _attribute_reader(field)


class LeanRepresentationMixin:
    """For a Serializer: `to_representation` with the values read by a plan made once per
    serializer (the child of a list serialises every row with one plan)."""

    @cached_property
    def _representation_plan(self) -> list[tuple[str, Reader, Callable]]:
        model = getattr(getattr(self, "Meta", None), "model", None)
        return [
            (field.field_name, _reader(field, model), field.to_representation)
            for field in self._readable_fields
        ]

    def to_representation(self, instance):
        ret = {}
        for name, read, represent in self._representation_plan:
            try:
                attribute = read(instance)
            except SkipField:
                continue
            if isinstance(attribute, PKOnlyObject):
                ret[name] = None if attribute.pk is None else represent(attribute)
            else:
                ret[name] = None if attribute is None else represent(attribute)
        return ret
