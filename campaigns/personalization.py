"""Personalisation is substitution, not a template engine (ARCHITECTURE.md rule 10).

`{{ first_name }}`, `{{ custom.loyalty_points }}` … are replaced from a whitelist: the core
customer fields below and the tenant's active custom field keys. Values are HTML-escaped when the
body is HTML. An unknown tag is rejected when the content is saved (`check_tags`); anything else
between braces is plain text. A body is split into parts once (`compile_text`), so rendering a
message is a join.
"""

import html as html_text
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from crm.models import Customer
from customfields.models import FieldDefinition
from customfields.services.values import read_value
from customfields.slots import EXTRA_FIELD

TAG = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")
CUSTOM_PREFIX = "custom."
CORE_TAGS = {
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name",
    "email": "Email",
    "phone": "Phone",
    "company": "Company",
}


def available_tags(definitions: Mapping[str, FieldDefinition]) -> list[tuple[str, str]]:
    """(tag, label) pairs a content author may use, for the tag picker and the docs."""
    return [(f"{{{{ {name} }}}}", label) for name, label in CORE_TAGS.items()] + [
        (f"{{{{ {CUSTOM_PREFIX}{key} }}}}", d.field_label) for key, d in definitions.items()
    ]


def tags_in(text: str) -> list[str]:
    return TAG.findall(text or "")


def check_tags(text: str, *, definitions: Mapping[str, FieldDefinition]) -> None:
    """Refuse tags outside the whitelist (ValidationError with every unknown one)."""
    unknown = []
    for name in tags_in(text):
        if name in CORE_TAGS:
            continue
        if name.startswith(CUSTOM_PREFIX) and name.removeprefix(CUSTOM_PREFIX) in definitions:
            continue
        unknown.append(name)
    if unknown:
        listed = ", ".join(f"{{{{ {name} }}}}" for name in dict.fromkeys(unknown))
        raise ValidationError(f"Unknown personalisation tag: {listed}.")


@dataclass(frozen=True)
class CompiledText:
    """Literal text and tag names alternating: parts[0], tag[0], parts[1], …"""

    literals: tuple[str, ...]
    names: tuple[str, ...]

    def render(self, values: Mapping[str, str], *, html: bool) -> str:
        out = [self.literals[0]]
        for name, literal in zip(self.names, self.literals[1:], strict=True):
            value = values.get(name, "")
            # html.escape is what django.utils.html.escape does, without its lazy-string
            # wrapper and SafeString: five tags a message, each a call through both.
            out.append(html_text.escape(str(value)) if html else value)
            out.append(literal)
        return "".join(out)


def compile_text(text: str) -> CompiledText:
    pieces = TAG.split(text or "")
    return CompiledText(literals=tuple(pieces[0::2]), names=tuple(pieces[1::2]))


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def customer_values(
    customer: Customer, names: Iterable[str], definitions: Mapping[str, FieldDefinition]
) -> dict[str, str]:
    """The text each tag stands for, for one customer (empty when the customer has no value)."""
    values = {}
    for name in names:
        if name == "full_name":
            values[name] = customer.full_name
        elif name in CORE_TAGS:
            values[name] = _as_text(getattr(customer, name))
        else:
            definition = definitions.get(name.removeprefix(CUSTOM_PREFIX))
            values[name] = _as_text(read_value(customer, definition)) if definition else ""
    return values


def customer_columns(
    names: Iterable[str], definitions: Mapping[str, FieldDefinition]
) -> frozenset[str]:
    """The customer columns `customer_values` reads for these tags: what a send loads of each
    customer (a handful of its ~110 columns)."""
    columns = set()
    for name in names:
        if name == "full_name":
            columns.update(("first_name", "last_name"))
        elif name in CORE_TAGS:
            columns.add(name)
        elif definition := definitions.get(name.removeprefix(CUSTOM_PREFIX)):
            columns.add(definition.mapped_field_name if definition.in_slot else EXTRA_FIELD)
    return frozenset(columns)


def render(
    text: str, customer: Customer, *, definitions: Mapping[str, FieldDefinition], html: bool
) -> str:
    compiled = compile_text(text)
    return compiled.render(customer_values(customer, compiled.names, definitions), html=html)
