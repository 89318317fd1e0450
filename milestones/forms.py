"""Forms of the milestone pages. They parse what is posted and offer the tenant's choices; the
rules (which type takes a location, notes or documents, the status graph) are milestones.rules',
enforced by the services."""

from django import forms

from crm.forms import DATE_WIDGET
from tenancy.models import Tenant

from .models import (
    INITIAL_STATUSES,
    LeadMilestone,
    MilestoneStatus,
    MilestoneTemplate,
    MilestoneType,
)

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _field(name: str, **kwargs) -> forms.Field:
    """The form field Django derives from the LeadMilestone model."""
    return LeadMilestone._meta.get_field(name).formfield(**kwargs)


class TypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: MilestoneType) -> str:
        return obj.type_name


class DocumentUrlsField(forms.CharField):
    """One URL per line; the cleaned value is a list of the non-empty lines."""

    widget = forms.Textarea(attrs={"rows": 2, "placeholder": "https://…"})

    def to_python(self, value) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class MilestoneRecordForm(forms.Form):
    type_code = TypeChoiceField(
        MilestoneType.objects.none(), to_field_name="type_code", label="Milestone"
    )
    status = forms.ChoiceField(
        choices=[(s, MilestoneStatus(s).label) for s in INITIAL_STATUSES],
        initial=MilestoneStatus.COMPLETED,
    )
    achieved_date = _field("achieved_date", widget=DATE_WIDGET, label="Date", required=False)
    achieved_time = _field("achieved_time", widget=TIME_WIDGET, label="Time")
    outcome = _field("outcome")
    notes = _field("notes", widget=forms.Textarea(attrs={"rows": 2}))
    duration_minutes = _field("duration_minutes", label="Duration (minutes)")
    location_name = _field("location_name", label="Location")
    location_latitude = _field("location_latitude", label="Latitude")
    location_longitude = _field("location_longitude", label="Longitude")
    document_urls = DocumentUrlsField(
        required=False, label="Documents", help_text="One URL per line."
    )
    follow_up_date = _field("follow_up_date", widget=DATE_WIDGET, label="Follow-up date")
    follow_up_required = _field("follow_up_required", label="Follow-up required")

    def __init__(self, *args, tenant: Tenant, **kwargs):
        kwargs.setdefault("auto_id", "milestone_%s")
        super().__init__(*args, **kwargs)
        self.fields["type_code"].queryset = (
            MilestoneType.objects.for_tenant(tenant).live().filter(is_active=True)
        )

    def milestone_data(self) -> dict:
        """What was filled in, for the service (which applies the defaults)."""
        data = {
            name: value for name, value in self.cleaned_data.items() if value not in (None, "", [])
        }
        data["milestone_type"] = data.pop("type_code")
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=MilestoneStatus.choices)


class LeadTemplateForm(forms.Form):
    template = forms.ModelChoiceField(
        MilestoneTemplate.objects.none(), required=False, empty_label="The default template"
    )

    def __init__(self, *args, tenant: Tenant, **kwargs):
        kwargs.setdefault("auto_id", "plan_%s")
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = (
            MilestoneTemplate.objects.for_tenant(tenant).live().filter(is_active=True)
        )


class DashboardForm(forms.Form):
    """Which template's bottlenecks and which type's trend to show. Unknown values fall back
    to the defaults (the default template, every type)."""

    template = forms.ModelChoiceField(MilestoneTemplate.objects.none(), required=False)
    type_code = forms.ModelChoiceField(
        MilestoneType.objects.none(),
        to_field_name="type_code",
        required=False,
        empty_label="All types",
        label="Trend of",
    )

    def __init__(self, *args, tenant: Tenant, **kwargs):
        super().__init__(*args, **kwargs)
        templates = MilestoneTemplate.objects.for_tenant(tenant).live()
        self.fields["template"].queryset = templates
        self.fields["template"].empty_label = None
        self.fields["type_code"].queryset = MilestoneType.objects.for_tenant(tenant).live()
