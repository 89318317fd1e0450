"""Checking an import's rows with the same rules as the API: the model fields' own validators
(lengths, email, numbers and their bounds), phone numbers normalised as the model's `clean`
does, custom values through customfields' `coerce_value`, tag names through `clean_tag_names`,
lead statuses and source / sub-source / channel codes as the lead services take them.

A `RowChecker` is built once per job (the columns' cleaners, the tenant's fields and codes);
checking a row is then a call per mapped cell — no serializer or model instance per row. A row
is refused whole at its first bad cell, naming the column as the file names it."""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, MaxLengthValidator
from django.db import models

from customfields.models import FieldDefinition, FieldType
from customfields.services.values import active_definitions, coerce_value
from tenancy.models import Tenant
from tenancy.validators import normalize_email, normalize_phone

from ...models import Customer, ImportKind, Lead, LeadChannel, LeadSource, LeadStatus, LeadSubSource
from ...selectors.imports import CUSTOM_TARGET_PREFIX, TAGS_TARGET, import_targets
from ..tags import clean_tag_names


class RowError(NamedTuple):
    row: int
    column: str
    message: str


@dataclass
class CleanRow:
    """A row that passed: its values by target (only the cells that had one)."""

    number: int
    cells: list[str]
    core: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    email_key: str = ""
    phone_key: str = ""


class _Bad(Exception):
    def __init__(self, message: str):
        self.message = message


def _first_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(m for messages in exc.message_dict.values() for m in messages)
    return " ".join(exc.messages)


# Cheap certainties before Django's validators: text these match is text Django's
# EmailValidator and URLValidator(schemes=["http", "https"]) accept (each is a strict subset of
# what they take — ASCII labels, no quotes, no IP literals, no userinfo or port, short enough),
# so a cell matching one is valid without the validator's work; any other cell still goes
# through the validator itself, so what is refused, and the message, stay the same.
# tests/crm/test_imports_fast_checks.py holds them to that.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}}"
SURE_EMAIL = re.compile(rf"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@{_HOST}")
SURE_URL = re.compile(rf"[Hh][Tt][Tt][Pp][Ss]?://{_HOST}(?:/[A-Za-z0-9._~%/-]*)?")
SURE_MAX_LENGTH = 250  # under the email's 254 and 320, a host name's 253, a URL's 2,048


def _sure(pattern: re.Pattern, text: str) -> bool:
    return len(text) <= SURE_MAX_LENGTH and pattern.fullmatch(text) is not None


def _model_cleaner(model_field: models.Field) -> Callable[[str], Any]:
    """The field's own to_python, choices, blank rule and validators (its `clean`), on the
    text trimmed (as the API's serializers trim it). Text without choices takes a shorter way
    to the same rules: the length checked inline (its validator speaks when it fails), then
    the field's other validators (email, phone)."""
    if isinstance(model_field, models.CharField | models.TextField) and not model_field.choices:
        length = model_field.max_length
        others = [v for v in model_field.validators if not isinstance(v, MaxLengthValidator)]
        # An email column's validator is skipped for the text it surely accepts.
        sure = SURE_EMAIL if [type(v) for v in others] == [EmailValidator] else None
        too_long = MaxLengthValidator(length) if length else None

        def clean_text(text: str) -> str:
            text = text.strip()
            try:
                if too_long is not None and len(text) > length:
                    too_long(text)
                if sure is not None and _sure(sure, text):
                    return text
                for validator in others:
                    validator(text)
            except ValidationError as exc:
                raise _Bad(_first_message(exc)) from None
            return text

        return clean_text

    def clean(text: str) -> Any:
        try:
            return model_field.clean(text.strip(), None)
        except ValidationError as exc:
            raise _Bad(_first_message(exc)) from None

    return clean


def _phone(model_field: models.Field) -> Callable[[str], Any]:
    base = _model_cleaner(model_field)

    def clean(text: str) -> str:
        try:
            return normalize_phone(base(text))
        except ValidationError as exc:
            raise _Bad(_first_message(exc)) from None

    return clean


def _custom(definition: FieldDefinition) -> Callable[[str], Any]:
    # Web addresses and emails coerce to their trimmed text when valid (customfields' _url,
    # _email): the text they surely accept is answered without the validator.
    sure = {FieldType.URL: SURE_URL, FieldType.EMAIL: SURE_EMAIL}.get(definition.field_type)

    def clean(text: str) -> Any:
        if sure is not None:
            trimmed = text.strip()
            if trimmed and _sure(sure, trimmed):
                return trimmed
        try:
            return coerce_value(definition, text)
        except ValidationError as exc:
            raise _Bad(_first_message(exc)) from None

    return clean


def _tags(text: str) -> list[str]:
    try:
        return clean_tag_names(text.split(","))
    except ValidationError as exc:
        raise _Bad(_first_message(exc)) from None


def _status(text: str) -> str:
    word = text.strip().casefold()
    for value, label in LeadStatus.choices:
        if word in (value.casefold(), str(label).casefold()):
            return value
    raise _Bad(
        "Unknown status; use one of: " + ", ".join(value for value, _ in LeadStatus.choices) + "."
    )


def _code_lookup(rows: Mapping[str, Any], what: str) -> Callable[[str], Any]:
    def clean(text: str) -> Any:
        found = rows.get(text.strip().casefold())
        if found is None:
            raise _Bad(f"Unknown {what} code “{text.strip()[:50]}”.")
        return found

    return clean


MEMO_SIZE = 4096  # distinct cells remembered per column


def _remembered(clean: Callable[[str], Any]) -> Callable[[str], Any]:
    """`clean`, answering a cell it has seen again from memory: the rules are pure functions
    of the text, and a column of tiers, cities or yes/no holds a few values many times. The
    first MEMO_SIZE distinct cells are kept (memory stays bounded). Good values and refusals
    are kept apart, so a hit is one dictionary look-up (this runs for every cell)."""
    values: dict[str, Any] = {}
    refused: dict[str, str] = {}
    get = values.get
    missing = object()

    def remembered(text: str) -> Any:
        value = get(text, missing)
        if value is missing:
            if text in refused:
                raise _Bad(refused[text])
            try:
                value = clean(text)
            except _Bad as bad:
                if len(values) + len(refused) < MEMO_SIZE:
                    refused[text] = bad.message
                raise
            if len(values) + len(refused) < MEMO_SIZE:
                values[text] = value
        return list(value) if value.__class__ is list else value

    return remembered


class RowChecker:
    """The cleaners of one job's mapped columns; `check(number, cells)` answers a CleanRow or
    a RowError."""

    def __init__(
        self, *, tenant: Tenant, kind: str, headers: Sequence[str], mapping: Mapping[str, str]
    ):
        self.tenant = tenant
        self.kind = kind
        self.definitions = active_definitions(tenant) if kind == ImportKind.CUSTOMERS else {}
        self.labels = dict(import_targets(tenant=tenant, kind=kind))
        self.columns: list[tuple[int, str, str, Callable[[str], Any]]] = []
        self.sources: dict[str, LeadSource] = {}
        self.default_source: LeadSource | None = None
        self.sub_sources: dict[tuple[int, str], LeadSubSource] = {}
        if kind == ImportKind.LEADS:
            live = LeadSource.objects.for_tenant(tenant).live()
            self.sources = {s.source_code.casefold(): s for s in live}
            self.default_source = next((s for s in self.sources.values() if s.is_default), None)
            self.sub_sources = {
                (s.source_id, s.sub_source_code.casefold()): s
                for s in LeadSubSource.objects.for_tenant(tenant).live()
            }
        position = {column: index for index, column in enumerate(headers)}
        for column, target in mapping.items():
            clean = _remembered(self._cleaner(target))
            self.columns.append((position[column], column, target, clean))
        self.target_columns = {target: column for column, target in mapping.items()}
        # (cell index, column, where the value goes, its name there, cleaner) per column.
        self.plan = [
            (
                index,
                column,
                "tags"
                if target == TAGS_TARGET
                else "custom"
                if target.startswith(CUSTOM_TARGET_PREFIX)
                else "core",
                target.removeprefix(CUSTOM_TARGET_PREFIX),
                clean,
            )
            for index, column, target, clean in self.columns
        ]

    def _cleaner(self, target: str) -> Callable[[str], Any]:
        if target == TAGS_TARGET:
            return _tags
        if target.startswith(CUSTOM_TARGET_PREFIX):
            return _custom(self.definitions[target.removeprefix(CUSTOM_TARGET_PREFIX)])
        model = Lead if self.kind == ImportKind.LEADS else Customer
        if self.kind == ImportKind.LEADS:
            if target == "status":
                return _status
            if target == "source":
                return _code_lookup(self.sources, "lead source")
            if target == "sub_source":
                return lambda text: text.strip().casefold()  # judged with the row's source
            if target == "channel":
                return _code_lookup(
                    {
                        c.channel_code.casefold(): c
                        for c in LeadChannel.objects.for_tenant(self.tenant).live()
                    },
                    "channel",
                )
        model_field = model._meta.get_field(target)
        if target == "phone":
            return _phone(model_field)
        return _model_cleaner(model_field)

    def column_for(self, target: str) -> str:
        """The file's column for a target, or the target's label when no column maps to it."""
        return self.target_columns.get(target) or self.labels.get(target, target)

    def check(self, number: int, cells: list[str]) -> CleanRow | RowError:
        row = CleanRow(number=number, cells=cells)
        core, custom = row.core, row.custom
        for index, column, kind, name, clean in self.plan:
            text = cells[index]
            if not text or text.isspace():
                continue
            if "\x00" in text:
                return RowError(number, column, "Contains a NUL character.")
            try:
                value = clean(text)
            except _Bad as bad:
                return RowError(number, column, bad.message)
            if value is None or (value.__class__ is str and not value):
                continue
            if kind == "core":
                core[name] = value
            elif kind == "custom":
                custom[name] = value
            else:
                row.tags = value
        if self.kind == ImportKind.LEADS and (problem := self._lead_relations(row)):
            return problem
        row.email_key = normalize_email(row.core.get("email", ""))
        row.phone_key = row.core.get("phone", "")
        return row

    def _lead_relations(self, row: CleanRow) -> RowError | None:
        source = row.core.get("source")
        if source is not None and not source.is_active:
            return RowError(
                row.number, self.column_for("source"), f"{source.source_code} is inactive."
            )
        if "sub_source" in row.core:
            owner = source or self.default_source
            sub = self.sub_sources.get((owner.pk if owner else 0, row.core["sub_source"]))
            if sub is None:
                return RowError(
                    row.number,
                    self.column_for("sub_source"),
                    f"Unknown sub-source code “{row.core['sub_source'][:50]}” "
                    "for this lead source.",
                )
            row.core["sub_source"] = sub
        return None

    def check_new(self, row: CleanRow) -> RowError | None:
        """What a new customer or lead needs on top (the create services' rules): a first
        name; for customers every required custom field; for leads an email or a phone and a
        lead source (the tenant's default when the row has none)."""
        if not row.core.get("first_name"):
            return RowError(row.number, self.column_for("first_name"), "A first name is required.")
        if self.kind == ImportKind.LEADS:
            if not row.core.get("email") and not row.core.get("phone"):
                return RowError(
                    row.number, self.column_for("email"), "Give an email address or a phone number."
                )
            if row.core.get("source") is None and self.default_source is None:
                return RowError(
                    row.number,
                    self.column_for("source"),
                    "This tenant has no default lead source; give the lead's source.",
                )
            return None
        for key, definition in self.definitions.items():
            if definition.is_required and row.custom.get(key) is None:
                return RowError(
                    row.number,
                    self.column_for(f"{CUSTOM_TARGET_PREFIX}{key}"),
                    f"{definition.field_label} is required.",
                )
        return None
