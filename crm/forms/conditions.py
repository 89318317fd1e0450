"""The condition builder of the pages (segments, campaign audiences): all/any of
field–operator–value rules over crm.conditions' language, and the JSON editor for conditions
the rows cannot show.

Each row offers only the operators its field takes — `crm.conditions.field_operators`, the
compiler's own sets — so the builder never offers what the server refuses. The page carries
the same sets (`operator_map`, as JSON) for the script that narrows the operator list when
another field is chosen (static/js/app.js). A row may also say "in segment" / "not in
segment", which is `{"segment": id}` / `{"not": {"segment": id}}`."""

from collections.abc import Iterable, Mapping

from django import forms

from customfields.models import FieldDefinition, FieldType

from ..conditions import (
    ACTIVITY_PREFIX,
    CORE_FIELDS,
    CUSTOM_PREFIX,
    activities,
    field_operators,
)

SEGMENT_FIELD = "segment"
SEGMENT_OPS = {"in": "is in segment", "not_in": "is not in segment"}
# Words for each operator, in the order the lists show them (which apply: field_operators).
OPERATOR_LABELS = {
    "eq": "is",
    "ne": "is not",
    "contains": "contains",
    "startswith": "starts with",
    "gt": "more than",
    "gte": "at least",
    "lt": "less than",
    "lte": "at most",
    "in": "is one of",
    "within_last_days": "in the last … days",
    "more_than_days_ago": "more than … days ago",
    "is_set": "is set",
    "is_empty": "is empty",
    "has": "has tag",
    "has_any": "has any of the tags",
    "has_all": "has all of the tags",
    "has_none": "has none of the tags",
}
# Dates and activities read better with their own words.
DATE_LABELS = {
    "eq": "is on",
    "gt": "after",
    "gte": "on or after",
    "lt": "before",
    "lte": "on or before",
}
ACTIVITY_LABELS = {"is_set": "ever", "is_empty": "never", "within_last_days": "in the last … days"}
LIST_OPS = {"in", "has_any", "has_all", "has_none"}
NO_VALUE_OPS = {"is_set", "is_empty"}
COMBINATORS = [("all", "all of these rules (AND)"), ("any", "any of these rules (OR)")]
CORE_LABELS = {"crm_score": "CRM score", "created_at": "Created", "email": "Email"}


def builder_fields(definitions: Mapping[str, FieldDefinition]) -> list:
    """The fields a rule may name, grouped: core fields and CRM metrics, tags, the tenant's
    active custom fields, activities, and segments."""
    core = [
        (name, CORE_LABELS.get(name, name.replace("_", " ").capitalize())) for name in CORE_FIELDS
    ]
    groups: list = [("", "—"), ("Customer", [*core, ("tags", "Tags")])]
    custom = [(CUSTOM_PREFIX + key, d.field_label) for key, d in definitions.items()]
    if custom:
        groups.append(("Custom fields", custom))
    done = [(ACTIVITY_PREFIX + name, a.label) for name, a in activities().items()]
    if done:
        groups.append(("Activity", done))
    groups.append(("Segments", [(SEGMENT_FIELD, "Segment")]))
    return groups


def _is_date(name: str, definitions: Mapping[str, FieldDefinition]) -> bool:
    if name in CORE_FIELDS:
        return CORE_FIELDS[name][0] == "datetime"
    definition = definitions.get(name.removeprefix(CUSTOM_PREFIX))
    return (
        name.startswith(CUSTOM_PREFIX)
        and definition is not None
        and (definition.field_type == FieldType.DATE)
    )


def operator_choices(name: str, definitions: Mapping[str, FieldDefinition]) -> list:
    """(operator, words) for the field, only those it takes, in the usual order."""
    if name == SEGMENT_FIELD:
        return list(SEGMENT_OPS.items())
    ops = field_operators(name, definitions=definitions)
    labels = dict(OPERATOR_LABELS)
    if _is_date(name, definitions):
        labels.update(DATE_LABELS)
    if name.startswith(ACTIVITY_PREFIX):
        labels.update(ACTIVITY_LABELS)
    return [(op, label) for op, label in labels.items() if op in ops]


def operator_map(fields: Iterable, definitions: Mapping[str, FieldDefinition]) -> dict:
    """{field: [[operator, words], …]} for every field offered (the page's script reads it)."""
    flat = []
    for value, label in fields:
        flat.extend(label if isinstance(label, list) else [(value, label)])
    return {
        name: [list(choice) for choice in operator_choices(name, definitions)]
        for name, _ in flat
        if name
    }


class RuleForm(forms.Form):
    field = forms.ChoiceField(required=False)
    op = forms.ChoiceField(
        label="Operator",
        required=False,
        error_messages={"invalid_choice": "Choose one of the operators offered for this field."},
    )
    value = forms.CharField(required=False, max_length=2000)
    segment = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args, fields: list, definitions, segments: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = fields
        self.fields["field"].widget.attrs["data-rule-field"] = ""
        self.fields["field"].error_messages["invalid_choice"] = "Choose one of the fields listed."
        self.fields["op"].choices = [("", "—"), *operator_choices(self.chosen, definitions)]
        self.fields["value"].widget.attrs["placeholder"] = "Value (lists: comma-separated)"
        self.fields["segment"].choices = [("", "Choose a segment"), *segments]
        self.fields["segment"].error_messages["invalid_choice"] = "Choose one of the segments."

    @property
    def chosen(self) -> str:
        """The row's field: as posted, or as saved."""
        if self.is_bound:
            return self.data.get(self.add_prefix("field"), "") or ""
        return self.initial.get("field", "") or ""

    def clean(self):
        data = super().clean()
        if data.get("field") and "op" not in self.errors:
            if not data.get("op"):
                self.add_error("op", "Choose an operator.")
            elif (
                data["field"] == SEGMENT_FIELD
                and not data.get("segment")
                and "segment" not in self.errors
            ):
                self.add_error("segment", "Choose a segment.")
        return data

    def rule(self) -> dict | None:
        """The rule in the condition language, or None for a row left empty."""
        data = self.cleaned_data
        if not data.get("field"):
            return None
        if data["field"] == SEGMENT_FIELD:
            ref = {"segment": data["segment"]}
            return ref if data["op"] == "in" else {"not": ref}
        rule = {"field": data["field"], "op": data["op"]}
        if data["op"] in LIST_OPS:
            rule["value"] = [part.strip() for part in data["value"].split(",") if part.strip()]
        elif data["op"] not in NO_VALUE_OPS:
            rule["value"] = data["value"]
        return rule


class BaseRuleFormSet(forms.BaseFormSet):
    def __init__(self, *args, fields: list, definitions, segments: list, **kwargs):
        self.builder = {"fields": fields, "definitions": definitions, "segments": segments}
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), **self.builder}


RuleFormSet = forms.formset_factory(RuleForm, formset=BaseRuleFormSet, extra=2, max_num=200)


def _as_row(rule) -> dict | None:
    """A rule (or segment reference) as a row's initial values; None if a row cannot show it."""
    if not isinstance(rule, dict):
        return None
    if set(rule) == {"segment"}:
        return {"field": SEGMENT_FIELD, "op": "in", "segment": rule["segment"]}
    if set(rule) == {"not"} and isinstance(rule["not"], dict) and set(rule["not"]) == {"segment"}:
        return {"field": SEGMENT_FIELD, "op": "not_in", "segment": rule["not"]["segment"]}
    if "field" in rule and "op" in rule:
        return {"field": rule["field"], "op": rule["op"], "value": _value_text(rule.get("value"))}
    return None


def _as_rows(condition) -> tuple[str, list[dict]] | None:
    """(combinator, rows) when the condition is a flat list the rows can show."""
    if condition in (None, {}):
        return "all", []
    if isinstance(condition, dict) and not set(condition) & {"all", "any"}:
        condition = {"all": [condition]}
    if isinstance(condition, dict) and len(condition) == 1 and set(condition) <= {"all", "any"}:
        ((combinator, rules),) = condition.items()
        if isinstance(rules, list):
            rows = [_as_row(rule) for rule in rules]
            if all(row is not None for row in rows):
                return combinator, rows
    return None


def _value_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


class ConditionBuilder:
    """The rule rows: all/any of field–operator–value rules. A condition the rows cannot show
    (nested groups, "not" of a rule) is edited as JSON instead (`is_simple` is False).
    `segments`: (id, name) of the tenant's segments a row may name."""

    def __init__(
        self,
        data=None,
        *,
        definitions: Mapping[str, FieldDefinition],
        segments: Iterable[tuple[int, str]] = (),
        condition=None,
    ):
        simple = _as_rows(condition)
        self.is_simple = simple is not None
        combinator, rows = simple or ("all", [])
        self.combinators = COMBINATORS
        self.combinator_value = (data or {}).get("combinator", combinator)
        fields = builder_fields(definitions)
        self.operators = operator_map(fields, definitions)
        self.rules = RuleFormSet(
            data,
            fields=fields,
            definitions=definitions,
            segments=list(segments),
            prefix="rule",
            initial=rows,
        )
        self.errors: list[str] = []

    def condition(self) -> dict | None:
        """The condition, or None with `errors` set (every row's at once) when a row cannot
        be read."""
        if not self.rules.is_valid():
            self.errors = [
                f"Rule {i + 1}: {form.fields[name].label or name.capitalize()}: {' '.join(errors)}"
                if name != "__all__"
                else f"Rule {i + 1}: {' '.join(errors)}"
                for i, form in enumerate(self.rules.forms)
                for name, errors in form.errors.items()
            ] + list(self.rules.non_form_errors())
            return None
        combinator = self.combinator_value if self.combinator_value in ("all", "any") else "all"
        rules = [rule for form in self.rules.forms if (rule := form.rule()) is not None]
        return {combinator: rules} if rules else {}


class ConditionJsonForm(forms.Form):
    condition = forms.JSONField(
        label="Condition (JSON)", widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"})
    )
