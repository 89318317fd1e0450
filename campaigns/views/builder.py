"""The builder: creating a campaign (basic info), then one tab (and one form) at a time —
basic info, content with the tag picker and a preview, audience with a live count, schedule."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from crm.forms.conditions import ConditionBuilder, ConditionJsonForm
from crm.selectors.segments import segment_choices
from customfields.services.values import active_definitions
from tenancy.forms import add_service_errors

from ..forms.campaigns import CampaignBasicForm, ScheduleForm, service_messages
from ..forms.content import PreviewForm, content_formset
from ..personalization import available_tags
from ..services.campaigns import (
    audience_queryset,
    campaign_create,
    campaign_preview,
    campaign_update,
)
from .base import CampaignsMixin, WriteRequiredMixin

TABS = {
    "basic": "Basic info",
    "content": "Content",
    "audience": "Audience",
    "schedule": "Schedule",
}


class CampaignCreateView(CampaignsMixin, WriteRequiredMixin, FormView):
    form_class = CampaignBasicForm
    template_name = "campaigns/builder.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tenant": self.tenant}

    def get_context_data(self, **kwargs):
        return super().get_context_data(tabs=TABS.items(), tab="basic", editable=True, **kwargs)

    def form_valid(self, form):
        try:
            campaign = campaign_create(
                tenant=self.tenant,
                data=form.campaign_data(),
                channels=form.channels_chosen(),
                channel_budgets=form.channel_budgets(),
                by=self.membership,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Campaign created. Write its content next.")
        return redirect("campaigns:campaign-edit", pk=campaign.pk, tab="content")


# ---------------------------------------------------------------------------------------------
# The builder of a saved campaign: one tab (and one form) at a time


class CampaignEditView(CampaignsMixin, WriteRequiredMixin, TemplateView):
    """GET shows a tab; POST saves that tab's part through the service (all or nothing). A
    campaign whose status does not allow editing shows its tabs read-only, with the reason."""

    template_name = "campaigns/builder.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if kwargs["tab"] not in TABS:
            raise Http404("No such tab.")
        self.tab = kwargs["tab"]

    @cached_property
    def definitions(self):
        return active_definitions(self.tenant)

    def forms(self, data=None) -> dict:
        campaign = self.campaign
        if self.tab == "basic":
            return {"form": CampaignBasicForm(data, tenant=self.tenant, campaign=campaign)}
        if self.tab == "content":
            return {
                "formset": content_formset(campaign, data),
                "tags": available_tags(self.definitions),
                "preview_form": PreviewForm(
                    tenant=self.tenant, audience=self.audience_or_none(campaign.audience)
                ),
            }
        if self.tab == "audience":
            return {
                "audience": ConditionBuilder(
                    data,
                    definitions=self.definitions,
                    segments=segment_choices(tenant=self.tenant),
                    condition=campaign.audience,
                ),
                "json_form": ConditionJsonForm(
                    data if data and data.get("editor") == "json" else None,
                    initial={"condition": campaign.audience},
                ),
                "count": self.count(campaign.audience),
            }
        return {"form": ScheduleForm(data, initial={"scheduled_at": campaign.scheduled_at})}

    def audience_or_none(self, condition):
        try:
            return audience_queryset(tenant=self.tenant, condition=condition).order_by("pk")
        except ValidationError:
            return None

    def count(self, condition) -> dict:
        queryset = self.audience_or_none(condition)
        if queryset is None:
            return {"error": "The saved condition is not valid."}
        return {"count": queryset.count()}

    def get_context_data(self, **kwargs):
        campaign = self.campaign
        editable = campaign.status.allows_editing
        context = {
            "campaign": campaign,
            "tabs": TABS.items(),
            "tab": self.tab,
            "editable": editable,
            **kwargs,
        }
        for name, value in self.forms().items():
            context.setdefault(name, value)
        return super().get_context_data(**context)

    def post(self, request, *args, **kwargs):
        forms = self.forms(request.POST)
        errors: list[str] = []
        changes = self.changes(forms, errors)
        if changes is not None:
            try:
                campaign_update(campaign=self.campaign, by=self.membership, **changes)
            except ValidationError as exc:
                if "form" in forms:
                    add_service_errors(forms["form"], exc)
                else:
                    errors.extend(service_messages(exc))
            else:
                messages.success(request, f"{TABS[self.tab]} saved.")
                return redirect("campaigns:campaign-edit", pk=self.campaign.pk, tab=self.tab)
        return self.render_to_response(
            self.get_context_data(errors=errors, **{k: v for k, v in forms.items() if k != "count"})
        )

    def changes(self, forms: dict, errors: list[str]) -> dict | None:
        """What the posted tab asks the service to change, or None when the form is invalid."""
        if self.tab == "basic":
            form = forms["form"]
            if not form.is_valid():
                return None
            return {
                "data": form.campaign_data(),
                "channels": form.channels_chosen(),
                "channel_budgets": form.channel_budgets(),
            }
        if self.tab == "content":
            formset = forms["formset"]
            if not formset.is_valid():
                return None
            return {"data": {}, "contents": formset.contents()}
        if self.tab == "audience":
            if self.request.POST.get("editor") == "json":
                json_form = forms["json_form"]
                if not json_form.is_valid():
                    return None
                return {"data": {"audience": json_form.cleaned_data["condition"]}}
            condition = forms["audience"].condition()
            errors.extend(forms["audience"].errors)
            return None if condition is None else {"data": {"audience": condition}}
        form = forms["form"]
        if not form.is_valid():
            return None
        return {"data": {"scheduled_at": form.cleaned_data["scheduled_at"]}}


class AudienceCountView(CampaignsMixin, WriteRequiredMixin, TemplateView):
    """POST (htmx, from the audience tab): how many of the tenant's customers the posted,
    unsaved condition selects."""

    http_method_names = ["post"]
    template_name = "crm/conditions/_count.html"

    def post(self, request, *args, **kwargs):
        if request.POST.get("editor") == "json":
            json_form = ConditionJsonForm(request.POST)
            condition = json_form.cleaned_data["condition"] if json_form.is_valid() else None
            errors = [e for field in json_form.errors.values() for e in field]
        else:
            audience = ConditionBuilder(
                request.POST,
                definitions=active_definitions(self.tenant),
                segments=segment_choices(tenant=self.tenant),
            )
            condition = audience.condition()
            errors = audience.errors
        count = None
        if condition is not None:
            try:
                count = audience_queryset(tenant=self.tenant, condition=condition).count()
            except ValidationError as exc:
                errors = service_messages(exc)
        return self.render_to_response(self.get_context_data(count={"count": count}, errors=errors))


class PreviewView(CampaignsMixin, WriteRequiredMixin, TemplateView):
    """POST (htmx, from the content tab): the posted, unsaved content rendered through the
    preview service for a customer of the tenant (or a sample one)."""

    http_method_names = ["post"]
    template_name = "campaigns/_preview.html"

    def post(self, request, *args, **kwargs):
        campaign = self.campaign
        form = PreviewForm(request.POST, tenant=self.tenant)
        preview, errors = None, []
        if form.is_valid():
            data = form.cleaned_data
            try:
                preview = campaign_preview(
                    campaign=campaign,
                    channel=data["channel"],
                    variant=data["variant"] or "A",
                    customer=data["customer"],
                    subject=data["subject"],
                    body=data["body"],
                )
            except ValidationError as exc:
                errors = service_messages(exc)
        else:
            errors = [f"{name}: {' '.join(e)}" for name, e in form.errors.items()]
        return self.render_to_response(self.get_context_data(preview=preview, errors=errors))
