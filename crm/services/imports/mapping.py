"""Which column fills which field. By default a column named like a field maps to it: its name
(`first_name`), its label (`First name`), or for a custom field `custom.<key>`, its key or its
label — compared without case, spaces, underscores or dashes. A mapping given by the user
({column: target}) goes over that: a target for a column, "" (or null) to leave the column out."""

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError

from ...selectors.imports import CUSTOM_TARGET_PREFIX

MAPPING_MAX_CHARS = 100_000
_SEPARATORS = re.compile(r"[\s_\-.]+")


def squash(text: str) -> str:
    """'First Name', 'first_name', 'FIRST-NAME' -> 'firstname'."""
    return _SEPARATORS.sub("", text.casefold())


def _mapping_error(message: str) -> ValidationError:
    return ValidationError({"mapping": [message]})


def parse_mapping(mapping: Any) -> dict[str, str] | None:
    """A mapping as given (a dict, or its JSON text from a form or the command line) as
    {column: target or ""}; None when none was given. ValidationError on `mapping` otherwise."""
    if mapping is None or mapping == "":
        return None
    if isinstance(mapping, (str, bytes)):
        if len(mapping) > MAPPING_MAX_CHARS:
            raise _mapping_error("The mapping is too long.")
        try:
            mapping = json.loads(mapping)
        except (ValueError, RecursionError):
            raise _mapping_error(
                'The mapping must be a JSON object, e.g. {"E-mail": "email"}.'
            ) from None
    if not isinstance(mapping, Mapping):
        raise _mapping_error('The mapping must be a JSON object, e.g. {"E-mail": "email"}.')
    parsed: dict[str, str] = {}
    for column, target in mapping.items():
        if not isinstance(column, str) or not (target is None or isinstance(target, str)):
            raise _mapping_error(
                "Each column must map to a field name (text), or to null to leave it out."
            )
        parsed[column] = (target or "").strip()
    return parsed


def auto_mapping(headers: Sequence[str], targets: Sequence[tuple[str, str]]) -> dict[str, str]:
    """{column: target} for the columns named like a field; each field taken once, by the
    first column that names it."""
    names: dict[str, str] = {}
    for value, label in targets:
        for name in (value, label):
            names.setdefault(squash(name), value)
        if value.startswith(CUSTOM_TARGET_PREFIX):
            names.setdefault(squash(value.removeprefix(CUSTOM_TARGET_PREFIX)), value)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in headers:
        target = names.get(squash(column))
        if target is not None and target not in taken:
            mapping[column] = target
            taken.add(target)
    return mapping


def resolve_mapping(
    *,
    headers: Sequence[str],
    targets: Sequence[tuple[str, str]],
    given: Mapping[str, str] | None,
) -> dict[str, str]:
    """The mapping a job uses: the automatic one with the given one over it. Every column
    named must be in the file and every target one of `targets` (by value, or by label),
    each target once; at least one column must map. ValidationError on `mapping`, every
    problem at once."""
    by_value = {value: value for value, _ in targets}
    by_label = {squash(label): value for value, label in targets}
    columns = {column.casefold(): column for column in headers}
    mapping = auto_mapping(headers, targets)
    problems: list[str] = []
    chosen: dict[str, str] = {}
    for column, target in (given or {}).items():
        real = columns.get(column.strip().casefold())
        if real is None:
            problems.append(f"The file has no column “{column[:100]}”.")
            continue
        if not target:
            chosen[real] = ""
            continue
        value = by_value.get(target) or by_label.get(squash(target))
        if value is None:
            problems.append(
                f"“{target[:100]}” (for column “{real}”) is not a field you can import."
            )
            continue
        chosen[real] = value
    if problems:
        raise ValidationError({"mapping": problems})
    explicit = {target for target in chosen.values() if target}
    mapping = {
        column: target
        for column, target in mapping.items()
        if column not in chosen and target not in explicit
    }
    mapping.update({column: target for column, target in chosen.items() if target})
    repeated = sorted(
        {target for target in mapping.values() if list(mapping.values()).count(target) > 1}
    )
    if repeated:
        labels = dict(targets)
        raise _mapping_error(
            "Each field can take one column; more than one maps to: "
            + ", ".join(labels.get(t, t) for t in repeated)
            + "."
        )
    if not mapping:
        raise _mapping_error(
            "No column matches a field: name the columns like the fields (e.g. first_name, "
            "email) or map them."
        )
    # In the file's column order.
    return {column: mapping[column] for column in headers if column in mapping}
