"""The audience tab: the rule editor (all/any of field–operator–value rules) and the JSON
editor for conditions it cannot show."""

from django import forms

from crm.conditions import CORE_FIELDS, CUSTOM_PREFIX
from customfields.models import FieldDefinition

OPERATORS = [
    ("eq", "is"),
    ("ne", "is not"),
    ("contains", "contains"),
    ("startswith", "starts with"),
    ("gt", "more than"),
    ("gte", "at least"),
    ("lt", "less than"),
    ("lte", "at most"),
    ("in", "is one of"),
    ("is_set", "is set"),
    ("is_empty", "is empty"),
    ("has", "has tag"),
    ("has_any", "has any of the tags"),
    ("has_all", "has all of the tags"),
    ("has_none", "has none of the tags"),
]
LIST_OPS = {"in", "has_any", "has_all", "has_none"}
NO_VALUE_OPS = {"is_set", "is_empty"}
COMBINATORS = [("all", "all of these rules (AND)"), ("any", "any of these rules (OR)")]


def audience_fields(definitions: dict[str, FieldDefinition]) -> list[tuple[str, str]]:
    """The fields a rule may name: core fields and CRM metrics, tags, the tenant's active
    custom fields."""
    core = [(name, name.replace("_", " ").capitalize()) for name in CORE_FIELDS]
    custom = [(CUSTOM_PREFIX + key, d.field_label) for key, d in definitions.items()]
    return [("", "—"), *core, ("tags", "Tags"), *custom]


class RuleForm(forms.Form):
    field = forms.ChoiceField(required=False)
    op = forms.ChoiceField(choices=OPERATORS, label="Operator", required=False)
    value = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, fields: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = fields
        self.fields["value"].widget.attrs["placeholder"] = "Value (lists: comma-separated)"

    def rule(self) -> dict | None:
        """The rule in the condition language, or None for a row left empty."""
        data = self.cleaned_data
        if not data.get("field"):
            return None
        rule = {"field": data["field"], "op": data["op"]}
        if data["op"] in LIST_OPS:
            rule["value"] = [part.strip() for part in data["value"].split(",") if part.strip()]
        elif data["op"] not in NO_VALUE_OPS:
            rule["value"] = data["value"]
        return rule


class BaseRuleFormSet(forms.BaseFormSet):
    def __init__(self, *args, fields: list[tuple[str, str]], **kwargs):
        self.choices = fields
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "fields": self.choices}


RuleFormSet = forms.formset_factory(RuleForm, formset=BaseRuleFormSet, extra=2)


def _as_rules(condition) -> tuple[str, list[dict]] | None:
    """(combinator, rules) when the condition is a flat rule list the editor can show."""
    if condition in (None, {}):
        return "all", []
    if isinstance(condition, dict) and "field" in condition:
        condition = {"all": [condition]}
    if isinstance(condition, dict) and len(condition) == 1 and set(condition) <= {"all", "any"}:
        ((combinator, rules),) = condition.items()
        if isinstance(rules, list) and all(
            isinstance(r, dict) and "field" in r and "op" in r for r in rules
        ):
            return combinator, rules
    return None


def _value_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


class AudienceForm:
    """The rule editor: all/any of field–operator–value rules. A condition the editor cannot
    show (nested groups, "not") is edited as JSON instead (`is_simple` is False)."""

    def __init__(self, data=None, *, definitions: dict[str, FieldDefinition], condition=None):
        simple = _as_rules(condition)
        self.is_simple = simple is not None
        combinator, rules = simple or ("all", [])
        self.combinators = COMBINATORS
        self.combinator_value = (data or {}).get("combinator", combinator)
        self.rules = RuleFormSet(
            data,
            fields=audience_fields(definitions),
            prefix="rule",
            initial=[
                {"field": r["field"], "op": r["op"], "value": _value_text(r.get("value"))}
                for r in rules
            ],
        )
        self.errors: list[str] = []

    def condition(self) -> dict | None:
        """The condition, or None with `errors` set when a row cannot be read."""
        if not self.rules.is_valid():
            self.errors = [
                f"Rule {i + 1}: {field}: {' '.join(errors)}"
                for i, form in enumerate(self.rules.forms)
                for field, errors in form.errors.items()
            ] + list(self.rules.non_form_errors())
            return None
        combinator = self.combinator_value if self.combinator_value in ("all", "any") else "all"
        rules = [rule for form in self.rules.forms if (rule := form.rule()) is not None]
        return {combinator: rules} if rules else {}


class ConditionJsonForm(forms.Form):
    condition = forms.JSONField(
        label="Condition (JSON)", widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"})
    )
