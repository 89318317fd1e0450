"""Forms of the pages. They turn posted text into typed values and offer the tenant's choices;
what may be saved, and by whom, stays in the services, whose errors come back to the form
through `add_service_errors`."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from customfields.forms import DATE_WIDGET, PREFIX, CustomValuesForm
from customfields.models import FieldDefinition, FieldType
from customfields.selectors.query import ALLOWED
from customfields.services.values import read_values
from tenancy.models import Membership, Tenant
from tenancy.selectors import members_of
from tenancy.validators import NOTES_MAX_LENGTH

from ..filters import TagsField
from ..models import Customer, Lead, LeadChannel, LeadSource, LeadStatus, LeadSubSource
from ..services.customers import CUSTOMER_FIELDS
from ..services.leads import EDITABLE_FIELDS

# Seconds are kept so that an untouched value compares equal to the stored one on edit.
DATETIME_WIDGET = forms.DateTimeInput(
    attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"
)


def _offered(entries: QuerySet, current_pk: int | None) -> QuerySet:
    """Active entries, plus the one the lead has now (so editing a lead whose source was since
    deactivated does not force a change)."""
    return entries.filter(Q(is_active=True) | Q(pk=current_pk))


def sub_source_label(sub_source: LeadSubSource) -> str:
    return f"{sub_source.source.source_code} / {sub_source.sub_source_code}"


class SubSourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: LeadSubSource) -> str:
        return sub_source_label(obj)


class TagListField(TagsField):
    """Tags as comma-separated text; the cleaned value is a list of lower-case names."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_username()


def _lead_field(name: str, **kwargs) -> forms.Field:
    """The form field Django derives from the Lead model (lengths, choices, required)."""
    return Lead._meta.get_field(name).formfield(**kwargs)


class LeadForm(forms.Form):
    """Create or edit a lead. Pass `lead` to edit; the service gets only the changed fields."""

    first_name = _lead_field("first_name")
    last_name = _lead_field("last_name")
    email = _lead_field("email")
    phone = _lead_field("phone")
    company = _lead_field("company")
    job_title = _lead_field("job_title")
    status = _lead_field("status")
    source = forms.ModelChoiceField(LeadSource.objects.none(), to_field_name="source_code")
    sub_source = SubSourceChoiceField(
        LeadSubSource.objects.none(), required=False, empty_label="—", label="Sub-source"
    )
    channel = forms.ModelChoiceField(
        LeadChannel.objects.none(), to_field_name="channel_code", required=False, empty_label="—"
    )
    assigned_to = MemberChoiceField(
        get_user_model().objects.none(), required=False, empty_label="Unassigned"
    )
    lead_score = _lead_field(
        "lead_score",
        required=False,
        initial=None,  # not the model's default of 50: blank asks the service to auto-score
        max_value=100,
        help_text="Leave blank to score automatically.",
    )
    probability = _lead_field("probability", help_text="0.00 to 1.00")
    estimated_value = _lead_field("estimated_value")
    expected_close_date = _lead_field("expected_close_date", widget=DATE_WIDGET)
    last_contact_date = _lead_field("last_contact_date", widget=DATETIME_WIDGET)
    next_follow_up_date = _lead_field(
        "next_follow_up_date", widget=DATETIME_WIDGET, label="Next follow-up"
    )
    call_attempts = _lead_field("call_attempts")
    tags = TagListField(required=False, help_text="Comma-separated, e.g. vip, renewal")
    notes = _lead_field("notes", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(
        self, *args, tenant: Tenant, membership: Membership, lead: Lead | None = None, **kwargs
    ):
        self.lead = lead
        if lead is not None:
            kwargs["initial"] = {
                **{name: getattr(lead, name) for name in self.base_fields if name != "tags"},
                "tags": lead.tag_names(),
            }
        super().__init__(*args, **kwargs)
        current = lead or Lead()
        self.fields["source"].queryset = _offered(
            LeadSource.objects.for_tenant(tenant).live(), current.source_id
        )
        self.fields["sub_source"].queryset = _offered(
            LeadSubSource.objects.for_tenant(tenant).live().select_related("source"),
            current.sub_source_id,
        ).order_by("source__display_order", "source__source_code", "display_order")
        self.fields["channel"].queryset = _offered(
            LeadChannel.objects.for_tenant(tenant).live(), current.channel_id
        )
        members = members_of(tenant)
        if not membership.can_manage:
            members = members.filter(pk=membership.user_id)
        self.fields["assigned_to"].queryset = members
        if lead is None:
            default = LeadSource.objects.for_tenant(tenant).live().filter(is_default=True).first()
            self.fields["source"].initial = default
        else:
            # A saved lead always has a score; blank would mean "no score", not "auto-score".
            self.fields["lead_score"].required = True
            self.fields["lead_score"].help_text = ""

    def lead_data(self) -> dict:
        """What to hand to the service besides tags: for a new lead what was filled in (the
        service applies the defaults and the auto-score), for an edit what changed."""
        if self.lead is None:
            names = [name for name, value in self.cleaned_data.items() if value not in (None, "")]
        else:
            names = self.changed_data
        return {
            name: self.cleaned_data[name]
            for name in names
            if name in EDITABLE_FIELDS and name in self.cleaned_data  # refused: left out
        }

    def tag_names(self) -> list[str] | None:
        """The tags to set, or None on an edit that left them alone."""
        if self.lead is not None and "tags" not in self.cleaned_data:
            return None  # an edit that left them alone, or tags the form refused
        if self.lead is not None and "tags" not in self.changed_data:
            return None
        return self.cleaned_data.get("tags", [])


class NoteForm(forms.Form):
    note = forms.CharField(
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Add a note…"}),
    )


class LeadIdsField(forms.Field):
    """The ticked lead checkboxes (name="lead_ids"); which ids the user may touch is checked by
    the service."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Select at least one lead.",
        "invalid": "Lead ids are whole numbers.",
    }

    def to_python(self, value) -> list[int]:
        try:
            return [int(pk) for pk in value or []]
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid")


class BulkStatusForm(forms.Form):
    # The status and assign controls share one form on the page; `required` attributes would
    # make the browser demand both whichever button is pressed.
    use_required_attribute = False

    lead_ids = LeadIdsField()
    status = forms.ChoiceField(choices=LeadStatus.choices)
    note = forms.CharField(required=False, max_length=NOTES_MAX_LENGTH)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs["placeholder"] = "Note (optional)"


class BulkAssignForm(forms.Form):
    use_required_attribute = False

    lead_ids = LeadIdsField()
    agent = MemberChoiceField(get_user_model().objects.none(), empty_label="Choose a member")

    def __init__(self, *args, tenant: Tenant, **kwargs):
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = members_of(tenant)


class SourcePerformanceForm(forms.Form):
    """Which source and period to report. The dates stay text: `parse_date_range` (tenancy.dates)
    reads them."""

    source = forms.ModelChoiceField(
        LeadSource.objects.none(), to_field_name="source_code", empty_label=None
    )
    start_date = forms.CharField(required=False, widget=DATE_WIDGET)
    end_date = forms.CharField(required=False, widget=DATE_WIDGET)

    def __init__(self, *args, tenant: Tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = LeadSource.objects.for_tenant(tenant).live()


# ---------------------------------------------------------------------------------------------
# Customers


def _customer_field(name: str, **kwargs) -> forms.Field:
    """The form field Django derives from the Customer model (lengths, required)."""
    return Customer._meta.get_field(name).formfield(**kwargs)


class CustomerForm(CustomValuesForm):
    """Create or edit a customer: core fields, tags, CRM metadata and the custom fields of the
    definitions given (the tenant's active ones; the form builder previews unsaved ones). Pass
    `customer` to edit; the service gets the changed core fields and every custom value. It is
    the host form (CUSTOMFIELDS_HOST_FORM) the form builder previews, in `fields_template`."""

    fields_template = "crm/customers/_form_fields.html"

    first_name = _customer_field("first_name")
    last_name = _customer_field("last_name")
    email = _customer_field("email")
    phone = _customer_field("phone", help_text="International, e.g. +44 20 7946 0958")
    company = _customer_field("company")
    description = _customer_field("description", widget=forms.Textarea(attrs={"rows": 3}))
    tags = TagListField(required=False, help_text="Comma-separated, e.g. vip, renewal")
    total_purchases = _customer_field("total_purchases")
    total_spent = _customer_field("total_spent")

    contact_names = ("first_name", "last_name", "email", "phone", "company", "description", "tags")
    # The score, the interactions and the last contact are kept by Atrium (docs/metrics.md):
    # the profile shows them, no form edits them.
    metadata_names = ("total_purchases", "total_spent")

    def __init__(self, *args, definitions, customer: Customer | None = None, **kwargs):
        self.customer = customer
        values = None
        if customer is not None:
            kwargs["initial"] = {
                **{name: getattr(customer, name) for name in CUSTOMER_FIELDS},
                "tags": customer.tag_names(),
            }
            values = read_values(customer, definitions.values())
        super().__init__(*args, definitions=definitions, values=values, **kwargs)

    @property
    def creating(self) -> bool:
        return self.customer is None

    def contact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.contact_names]

    def metadata_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.metadata_names]

    def customer_data(self) -> dict:
        """Core fields for the service: for a new customer what was filled in, for an edit what
        changed."""
        if self.customer is None:
            names = [name for name, value in self.cleaned_data.items() if value not in (None, "")]
        else:
            names = self.changed_data
        return {
            name: self.cleaned_data[name]
            for name in names
            if name in CUSTOMER_FIELDS and name in self.cleaned_data  # refused: left out
        }

    def tag_names(self) -> list[str] | None:
        """The tags to set, or None on an edit that left them alone."""
        if self.customer is not None and "tags" not in self.cleaned_data:
            return None  # an edit that left them alone, or tags the form refused
        if self.customer is not None and "tags" not in self.changed_data:
            return None
        return self.cleaned_data.get("tags", [])


class CustomFilterForm(forms.Form):
    """Filter controls for the chosen custom fields, named like the API's `cf_*` parameters, one
    kind per field type. They only render and keep the input: `filter_customers` judges the
    values, and its errors are put on these controls."""

    def __init__(self, data, *, definitions: list[FieldDefinition]):
        super().__init__(data)
        for definition in definitions:
            self.fields.update(self.controls(definition))

    @staticmethod
    def controls(definition: FieldDefinition) -> dict[str, forms.Field]:
        name = PREFIX + definition.field_key
        label, kind = definition.field_label, definition.field_type
        if kind in (FieldType.SELECT, FieldType.BOOLEAN):
            options = (
                [(option, option) for option in definition.select_options]
                if kind == FieldType.SELECT
                else [("true", "Yes"), ("false", "No")]
            )
            widget = forms.Select(choices=[("", "Any"), *options])
            return {name: forms.CharField(label=label, required=False, widget=widget)}
        if "gte" in ALLOWED[kind]:
            attrs = (
                {"type": "date"} if kind == FieldType.DATE else {"type": "number", "step": "any"}
            )
            return {
                f"{name}__{lookup}": forms.CharField(
                    label=f"{label} {word}", required=False, widget=forms.TextInput(attrs)
                )
                for lookup, word in (("gte", "from"), ("lte", "to"))
            }
        if "contains" in ALLOWED[kind]:
            attrs = {"type": "search", "placeholder": "contains…"}
            return {
                f"{name}__contains": forms.CharField(
                    label=label, required=False, widget=forms.TextInput(attrs)
                )
            }
        return {name: forms.CharField(label=label, required=False)}

    def add_filter_errors(self, error: ValidationError) -> None:
        for name, errors in error.message_dict.items():
            if name in self.fields:
                self.add_error(name, errors)
            else:
                self.add_error(None, [f"{name}: {message}" for message in errors])


class ListViewForm(forms.Form):
    """Which columns the customer list shows (`core_columns`: name -> label, then one per custom
    field) and which custom fields it offers filters for."""

    columns = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    filters = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Filter by"
    )

    def __init__(
        self,
        *args,
        core_columns: dict[str, str],
        definitions: dict[str, FieldDefinition],
        **kwargs,
    ):
        kwargs.setdefault("auto_id", "view_%s")
        super().__init__(*args, **kwargs)
        custom = [(PREFIX + key, d.field_label) for key, d in definitions.items()]
        self.fields["columns"].choices = [*core_columns.items(), *custom]
        self.fields["filters"].choices = [(key, d.field_label) for key, d in definitions.items()]
