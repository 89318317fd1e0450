"""The content tab: one form per variant of a message channel (A/B tests), and what to
preview."""

from django import forms
from django.db.models import QuerySet

from crm.models import Customer
from tenancy.models import Tenant
from tenancy.validators import MESSAGE_BODY_MAX_LENGTH

from ..models import MESSAGE_KINDS, Campaign, CampaignChannel

PREVIEW_CUSTOMERS = 25

VARIANT_CHOICES = [(letter, letter) for letter in "ABCDE"]


class ContentForm(forms.Form):
    """One variant of one channel's message."""

    channel = forms.ModelChoiceField(CampaignChannel.objects.none(), empty_label="—")
    variant = forms.ChoiceField(choices=VARIANT_CHOICES, initial="A")
    weight = forms.IntegerField(
        min_value=1, max_value=100, initial=1, help_text="Share of the audience (A/B tests)"
    )
    subject = forms.CharField(max_length=300, required=False, help_text="Email only")
    body = forms.CharField(
        max_length=MESSAGE_BODY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 7})
    )

    def __init__(self, *args, channels: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels
        for name in ("subject", "body"):
            self.fields[name].widget.attrs["data-tag-target"] = ""


class BaseContentFormSet(forms.BaseFormSet):
    def __init__(self, *args, channels: QuerySet, **kwargs):
        self.channels = channels
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "channels": self.channels}

    def contents(self) -> list[dict]:
        """The variants to save: every shown variant not marked for deletion, and the blank
        form when it was filled in."""
        deleted = set(map(id, self.deleted_forms))
        return [
            {name: form.cleaned_data[name] for name in ContentForm.base_fields}
            for i, form in enumerate(self.forms)
            if id(form) not in deleted and (i < self.initial_form_count() or form.has_changed())
        ]


ContentFormSet = forms.formset_factory(
    ContentForm, formset=BaseContentFormSet, extra=0, can_delete=True
)


def content_formset(campaign: Campaign, data=None) -> BaseContentFormSet:
    """The campaign's variants, and variant A of each message channel without content yet
    (the page adds more variants from the formset's empty form)."""
    channels = CampaignChannel.objects.for_tenant(campaign.tenant).filter(
        pk__in=campaign.plans.values("channel_id"), kind__in=MESSAGE_KINDS
    )
    initial = [
        {
            "channel": v.channel_id,
            "variant": v.variant,
            "weight": v.weight,
            "subject": v.subject,
            "body": v.body,
        }
        for v in campaign.variants.all()
    ]
    written = {row["channel"] for row in initial}
    initial += [
        {"channel": c.pk, "variant": "A", "weight": 1} for c in channels if c.pk not in written
    ]
    return ContentFormSet(data, channels=channels, initial=initial, prefix="content")


class PreviewForm(forms.Form):
    """What to preview: the posted (unsaved) content for a customer of the tenant; the list
    offers the first customers of the audience."""

    channel = forms.ModelChoiceField(CampaignChannel.objects.none())
    variant = forms.ChoiceField(choices=VARIANT_CHOICES, required=False)
    subject = forms.CharField(required=False, max_length=300)
    body = forms.CharField(required=False, max_length=MESSAGE_BODY_MAX_LENGTH)
    customer = forms.ModelChoiceField(
        Customer.objects.none(), required=False, empty_label="First in the audience, or a sample"
    )

    def __init__(self, *args, tenant: Tenant, audience: QuerySet | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = CampaignChannel.objects.for_tenant(tenant).live()
        customers = self.fields["customer"]
        customers.queryset = Customer.objects.for_tenant(tenant)
        shown = list(audience[:PREVIEW_CUSTOMERS]) if audience is not None else []
        customers.widget.choices = [("", customers.empty_label)] + [
            (c.pk, f"{c.full_name} <{c.email or c.phone or 'no contact'}>") for c in shown
        ]
