"""The trigger builder's forms: the trigger's own fields (the event type chosen in words, or
a name of the tenant's own), the condition (crm's rule rows for the customer plus rows over
`event.<key>` of the event's data), and the actions in order, each with its own fields.

The forms only turn posted text into the shapes the service takes; what may be saved (the
event type's spelling, the condition, each action, the numbers) is judged by
campaigns.automation.services, whose errors come back beside the fields they name."""

import json
from collections.abc import Iterable, Mapping

from django import forms

from callbacks.models.choices import CallbackReason
from crm.forms.conditions import (
    NO_VALUE_OPS,
    OPERATOR_LABELS,
    ConditionBuilder,
)
from customfields.models import FieldDefinition
from tenancy.events import BUILTIN_EVENT_TYPES, EVENT_TYPE_MAX_LENGTH

from ..automation.actions import ACTION_LABELS
from ..automation.conditions import EVENT_OPS, EVENT_PREFIX
from ..automation.services import MAX_PER_CUSTOMER
from ..models import CampaignTrigger
from ..models.automation import MAX_ACTIONS, MAX_DELAY_MINUTES

OTHER = "__other__"
EVENT_WORDS = {
    "customer_created": "Customer created",
    "customer_updated": "Customer updated",
    "field_changed": "Custom field changed",
    "tag_added": "Tag added",
    "tag_removed": "Tag removed",
    "segment_entered": "Entered a segment",
    "segment_left": "Left a segment",
    "lead_created": "Lead created",
    "lead_status_changed": "Lead status changed",
    "milestone_completed": "Milestone completed",
    "campaign_opened": "Campaign message opened",
    "campaign_clicked": "Campaign link clicked",
    "callback_completed": "Callback completed",
    "date_reached": "Birthday / date reached",
    "inactive": "Inactive for a number of days",
}


def event_words(event_type: str) -> str:
    """A built-in type in words; the tenant's own types as they are named."""
    if event_type in EVENT_WORDS:
        return EVENT_WORDS[event_type]
    if event_type in BUILTIN_EVENT_TYPES:  # one added since these words were written
        return event_type.replace("_", " ").capitalize()
    return f"“{event_type}” (your own event)"


class TriggerForm(forms.Form):
    name = CampaignTrigger._meta.get_field("name").formfield()
    event_choice = forms.ChoiceField(label="When this happens", required=False)
    event_other = forms.CharField(
        label="Your own event's name",
        required=False,
        max_length=EVENT_TYPE_MAX_LENGTH,
        help_text="For “Another event”: the type your systems send to events/, e.g. purchase.",
    )
    delay_minutes = forms.IntegerField(
        label="Wait (minutes)",
        min_value=0,
        max_value=MAX_DELAY_MINUTES,
        initial=0,
        help_text="0 acts at once.",
    )
    max_per_customer = forms.IntegerField(
        label="At most per customer",
        required=False,
        min_value=1,
        max_value=MAX_PER_CUSTOMER,
        help_text="Empty: no limit.",
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args, seen_types: Iterable[str] = (), current: str | None = None, **kw):
        super().__init__(*args, **kw)
        own = sorted({*seen_types, *([current] if current else [])} - set(BUILTIN_EVENT_TYPES))
        builtin = [(name, event_words(name)) for name in BUILTIN_EVENT_TYPES]
        choices: list = [("", "—"), ("Atrium's events", builtin)]
        if own:
            choices.append(("Your events", [(name, name) for name in own]))
        choices.append(("", [(OTHER, "Another event (type its name below)")]))
        self.fields["event_choice"].choices = choices
        self.fields["event_other"].widget.attrs["list"] = "seen-event-types"
        self.seen_types = own

    def clean(self):
        data = super().clean()
        choice, other = data.get("event_choice"), (data.get("event_other") or "").strip()
        if choice == OTHER or (not choice and other):
            if not other:
                self.add_error("event_other", "Type the event's name, e.g. purchase.")
            data["event_type"] = other
        elif choice:
            data["event_type"] = choice
        elif "event_choice" not in self.errors:
            self.add_error("event_choice", "Choose the event.")
        return data

    def trigger_data(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "event_type": data.get("event_type", ""),
            "delay_minutes": data["delay_minutes"],
            "max_per_customer": data["max_per_customer"],
            "is_active": data["is_active"],
        }

    @staticmethod
    def initial_for(trigger: CampaignTrigger | None) -> dict:
        if trigger is None:
            return {"delay_minutes": 0, "is_active": True}
        return {
            "name": trigger.name,
            "event_choice": trigger.event_type,
            "delay_minutes": trigger.delay_minutes,
            "max_per_customer": trigger.max_per_customer,
            "is_active": trigger.is_active,
        }

    def add_service_errors(self, errors: Mapping[str, list[str]]) -> None:
        """The service's errors on the fields they name (the event type's on its own box)."""
        for name, messages in errors.items():
            if name == "event_type":
                chosen = self.cleaned_data.get("event_choice")
                self.add_error("event_other" if chosen in ("", OTHER) else "event_choice", messages)
            elif name in self.fields:
                self.add_error(name, messages)


# ---------------------------------------------------------------------------------------------
# The condition: the customer's rule rows (crm's builder) and the event's rule rows

EVENT_OP_LABELS = [(op, OPERATOR_LABELS[op]) for op in OPERATOR_LABELS if op in EVENT_OPS]


class EventRuleForm(forms.Form):
    key = forms.CharField(
        label="Event value",
        required=False,
        max_length=330,
        widget=forms.TextInput(attrs={"placeholder": "amount"}),
    )
    op = forms.ChoiceField(label="Operator", required=False, choices=[("", "—"), *EVENT_OP_LABELS])
    value = forms.CharField(label="Value", required=False, max_length=500)

    def clean(self):
        data = super().clean()
        key = (data.get("key") or "").strip().removeprefix(EVENT_PREFIX)
        data["key"] = key
        if key and not data.get("op") and "op" not in self.errors:
            self.add_error("op", "Choose an operator.")
        if data.get("op") and not key:
            self.add_error("key", "Name the event's value, e.g. amount.")
        return data

    def rule(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("key"):
            return None
        rule = {"field": EVENT_PREFIX + data["key"], "op": data["op"]}
        if data["op"] == "in":
            rule["value"] = [part.strip() for part in data["value"].split(",") if part.strip()]
        elif data["op"] not in NO_VALUE_OPS:
            rule["value"] = data["value"]
        return rule


class BaseEventRuleFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "empty_permitted": False}


EventRuleFormSet = forms.formset_factory(
    EventRuleForm, formset=BaseEventRuleFormSet, extra=1, max_num=50
)


def _is_event_rule(rule) -> bool:
    return (
        isinstance(rule, dict)
        and isinstance(rule.get("field"), str)
        and rule["field"].startswith(EVENT_PREFIX)
    )


def split_condition(condition) -> tuple[dict, list[dict]] | None:
    """(customer part, event rows) of a flat all/any condition; None when it nests."""
    if condition in (None, {}):
        return {}, []
    if isinstance(condition, dict) and not set(condition) & {"all", "any"}:
        condition = {"all": [condition]}
    if not (isinstance(condition, dict) and len(condition) == 1):
        return None
    ((combinator, rules),) = condition.items()
    if combinator not in ("all", "any") or not isinstance(rules, list):
        return None
    customer = [rule for rule in rules if not _is_event_rule(rule)]
    rows = []
    for rule in rules:
        if _is_event_rule(rule):
            value = rule.get("value")
            text = ", ".join(map(str, value)) if isinstance(value, list) else value
            key = rule["field"].removeprefix(EVENT_PREFIX)
            rows.append({"key": key, "op": rule.get("op"), "value": "" if text is None else text})
    return {combinator: customer}, rows


class TriggerConditionBuilder:
    """The customer's rules (crm's ConditionBuilder, whose "Customers matching all/any" also
    joins the event rows) and the event's rules. A condition the rows cannot show (nested
    groups, "not") is edited as JSON (`is_simple` False)."""

    def __init__(
        self,
        data=None,
        *,
        definitions: Mapping[str, FieldDefinition],
        segments: Iterable[tuple[int, str]] = (),
        condition=None,
    ):
        split = split_condition(condition)
        self.is_simple = split is not None
        customer, rows = split or ({}, [])
        self.customer = ConditionBuilder(
            data, definitions=definitions, segments=segments, condition=customer
        )
        self.events = EventRuleFormSet(data, prefix="erule", initial=rows)
        self.errors: list[str] = []

    def condition(self) -> dict | None:
        """The condition, or None with `errors` (every row's) when a row cannot be read."""
        customer = self.customer.condition()
        self.errors = list(self.customer.errors)
        if not self.events.is_valid():
            self.errors += [
                f"Event rule {i + 1}: {form.fields[name].label}: {' '.join(errors)}"
                if name in form.fields
                else f"Event rule {i + 1}: {' '.join(errors)}"
                for i, form in enumerate(self.events.forms)
                for name, errors in form.errors.items()
            ] + list(self.events.non_form_errors())
            return None
        if customer is None:
            return None
        combinator = next(iter(customer), None) or self.customer.combinator_value
        combinator = combinator if combinator in ("all", "any") else "all"
        rules = [*customer.get(combinator, [])]
        rules += [rule for form in self.events.forms if (rule := form.rule()) is not None]
        return {combinator: rules} if rules else {}


def has_event_rules(condition) -> bool:
    """Whether any rule, at any depth, reads the event's data."""
    if isinstance(condition, dict):
        return _is_event_rule(condition) or any(has_event_rules(v) for v in condition.values())
    if isinstance(condition, list):
        return any(has_event_rules(item) for item in condition)
    return False


# ---------------------------------------------------------------------------------------------
# The actions, in order


class ActionForm(forms.Form):
    """One action; the fields its type does not use are ignored."""

    type = forms.ChoiceField(label="Action", required=False)
    tag = forms.CharField(label="Tag", required=False, max_length=100)
    field = forms.ChoiceField(label="Custom field", required=False)
    value = forms.CharField(label="Value", required=False, max_length=500)
    note = forms.CharField(label="Task", required=False, max_length=500)
    due_in_days = forms.IntegerField(
        label="Due in (days)", required=False, min_value=0, max_value=365
    )
    reason = forms.ChoiceField(
        label="Callback reason", required=False, choices=[("", "—"), *CallbackReason.choices]
    )
    agent = forms.TypedChoiceField(label="Assign to", required=False, coerce=int, empty_value=None)

    NEEDS = {
        "add_tag": ("tag", "Give the tag."),
        "remove_tag": ("tag", "Give the tag."),
        "set_field": ("field", "Choose the custom field."),
        "create_task": ("note", "Give the task's text."),
        "assign_lead": ("agent", "Choose the member."),
    }

    def __init__(self, *args, fields: list, members: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "—"), *ACTION_LABELS.items()]
        self.fields["field"].choices = [("", "—"), *fields]
        self.fields["agent"].choices = [("", "—"), *members]
        self.fields["type"].widget.attrs["data-action-type"] = ""

    def clean(self):
        data = super().clean()
        need = self.NEEDS.get(data.get("type") or "")
        if need and not data.get(need[0]) and need[0] not in self.errors:
            self.add_error(need[0], need[1])
        return data

    def action(self) -> dict | None:
        data = self.cleaned_data
        kind = data.get("type")
        if not kind:
            return None
        action: dict = {"type": kind}
        if kind in ("add_tag", "remove_tag"):
            action["tag"] = data["tag"]
        elif kind == "set_field":
            action.update(field=data["field"], value=data["value"] or None)
        elif kind == "create_task":
            action.update(note=data["note"], due_in_days=data["due_in_days"] or 0)
        elif kind == "request_callback":
            action["reason"] = data["reason"] or CallbackReason.OTHER
        elif kind == "assign_lead":
            action["agent"] = data["agent"]
        return action

    @staticmethod
    def initial_for(action: dict) -> dict:
        return {key: value for key, value in action.items() if value is not None}


class BaseActionFormSet(forms.BaseFormSet):
    def __init__(self, *args, fields: list, members: list, **kwargs):
        self.choices = {"fields": fields, "members": members}
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        # An added row left as it started ("Send", the default) is still an action: every
        # row is read, and a row whose type is "—" is left out by `actions()`.
        return {**super().get_form_kwargs(index), **self.choices, "empty_permitted": False}

    def actions(self) -> tuple[list[dict], list[int]]:
        """The actions in order, and for each the index of the row it came from."""
        actions, rows = [], []
        for index, form in enumerate(self.forms):
            action = form.action()
            if action is not None:
                actions.append(action)
                rows.append(index)
        return actions, rows


ActionFormSet = forms.formset_factory(
    ActionForm, formset=BaseActionFormSet, extra=1, max_num=MAX_ACTIONS, validate_max=True
)


def condition_words(condition, definitions: Mapping[str, FieldDefinition]) -> str:
    """A flat condition in words ("crm score at least 50 and event.amount more than 100"),
    "every event" for none; a nested condition as its JSON."""
    if condition in (None, {}):
        return "every event"
    if isinstance(condition, dict) and not set(condition) & {"all", "any"}:
        condition = {"all": [condition]}
    if not (
        isinstance(condition, dict)
        and len(condition) == 1
        and isinstance(next(iter(condition.values())), list)
        and split_condition(condition) is not None
    ):
        return json.dumps(condition, ensure_ascii=False)
    ((combinator, rules),) = condition.items()
    if not rules:
        return "every event"
    joiner = " and " if combinator == "all" else " or "
    return joiner.join(_rule_words(rule, definitions) for rule in rules)


def _rule_words(rule, definitions: Mapping[str, FieldDefinition]) -> str:
    if not isinstance(rule, dict) or not isinstance(rule.get("field"), str):
        return json.dumps(rule, ensure_ascii=False)
    name = rule["field"]
    if name.startswith(EVENT_PREFIX):
        label = name  # event.amount, as the builder writes it
    elif name.startswith("custom.") and name.removeprefix("custom.") in definitions:
        label = definitions[name.removeprefix("custom.")].field_label
    else:
        label = name.replace("_", " ")
    op = OPERATOR_LABELS.get(rule.get("op"), rule.get("op"))
    if rule.get("op") in NO_VALUE_OPS:
        return f"{label} {op}"
    value = rule.get("value")
    text = ", ".join(map(str, value)) if isinstance(value, list) else value
    return f"{label} {op} {text}"


__all__ = [
    "ActionFormSet",
    "EventRuleFormSet",
    "TriggerConditionBuilder",
    "TriggerForm",
    "condition_words",
    "event_words",
    "has_event_rules",
]
