"""The customer list's bulk bar: which customers (the ticked ones, or all matching the list's
filter, re-read by the server) and what to do with them. It only turns the posted text into
values; crm.services.bulk judges them."""

from django import forms
from django.core.exceptions import ValidationError

from customfields.forms import formfield_for
from customfields.models import FieldDefinition

from . import TagListField

ADD_TAGS, REMOVE_TAGS, SET_FIELD, DELETE = "add_tags", "remove_tags", "set_field", "delete"
ACTIONS = {
    ADD_TAGS: "Add tags",
    REMOVE_TAGS: "Remove tags",
    SET_FIELD: "Set a field",
    DELETE: "Delete",
}
SELECTED, ALL = "selected", "all"


class CustomerIdsField(forms.Field):
    """The ticked customer checkboxes (name="customer_ids"); the service checks they are the
    tenant's."""

    widget = hidden_widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "Customer ids are whole numbers."}

    def to_python(self, value) -> list[int]:
        try:
            return [int(pk) for pk in value or []]
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class CustomerBulkForm(forms.Form):
    # One form holds every action's inputs; `required` attributes would make the browser demand
    # the tags when a field is being set.
    use_required_attribute = False

    action = forms.ChoiceField(label="Action", choices=ACTIONS.items())
    scope = forms.ChoiceField(
        label="Customers",
        choices=[(SELECTED, "Ticked on this page"), (ALL, "All matching the filter")],
        initial=SELECTED,
        widget=forms.RadioSelect,
    )
    customer_ids = CustomerIdsField(required=False)
    # The list's filter, as its address's query string: "all" is re-read from it by the server.
    query = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)
    tags = TagListField(required=False, label="Tags", help_text="Comma-separated, e.g. vip")
    field = forms.ChoiceField(label="Field", required=False)
    value = forms.CharField(label="Value", required=False)
    # How many customers the confirmation named: "all" is refused when the filter now matches
    # another number, so nobody confirms one count and changes another.
    expected = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args, definitions: dict[str, FieldDefinition], may_delete: bool = True, **kwargs
    ):
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        self.definitions = definitions
        self.fields["field"].choices = [
            ("", "Choose a field"),
            *((key, d.field_label) for key, d in definitions.items()),
        ]
        if not may_delete:  # not offered; still a valid choice, so the service says why not
            self.fields["action"].widget.choices = [
                (name, label) for name, label in ACTIONS.items() if name != DELETE
            ]
        self.fields["tags"].widget.attrs["placeholder"] = "vip, renewal"
        chosen = self.definitions.get(self.data.get("field") or self.initial.get("field"))
        if chosen is not None:
            self.fields["value"] = value_field(chosen)

    def clean(self):
        cleaned = super().clean()
        action, scope = cleaned.get("action"), cleaned.get("scope")
        if action in (ADD_TAGS, REMOVE_TAGS) and not cleaned.get("tags"):
            self.add_error("tags", "Give at least one tag.")
        if action == SET_FIELD and not cleaned.get("field"):
            self.add_error("field", "Choose the field to set.")
        if scope == SELECTED and not cleaned.get("customer_ids") and "customer_ids" in cleaned:
            self.add_error("customer_ids", "Tick at least one customer, or choose all matching.")
        return cleaned


def value_field(definition: FieldDefinition) -> forms.Field:
    """The value input for a custom field, as the customer form shows it (a select's options,
    a date picker, …); never required: an empty value empties the field. The value service
    checks the value, as for every other way of setting it."""
    field = formfield_for(definition)
    if isinstance(field, forms.ChoiceField):  # the value service judges, in its own words
        field = forms.CharField(widget=forms.Select(choices=field.choices))
    field.required = False
    field.label = "Value"
    field.help_text = ""
    return field
