"""The campaign pages: the list, the builder (basic info, content with tag picker and preview,
audience with a live count, schedule), creating from a template, the status actions and the
campaign page with its funnel and daily chart.

Thin views: reads go through the selectors, writes through the services, whose errors come back
to the forms or as messages. Campaigns are listed through `campaigns_visible_to` and fetched
through `campaign_for` (templates through `campaign_template_for`), so another tenant's campaign
is a 404 like a missing one. Every member reads; only managers and admins build, preview, count
audiences and launch (others get a 403 here, and the services refuse them on their own).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from customfields.services.values import active_definitions
from tenancy.charts import day_lines, peak_of, row_bars
from tenancy.forms import add_service_errors
from tenancy.htmx import HtmxPartialMixin
from tenancy.scoping import TenantPageMixin

from .forms import (
    AudienceForm,
    CampaignBasicForm,
    CampaignFilterForm,
    ConditionJsonForm,
    FromTemplateForm,
    PreviewForm,
    ScheduleForm,
    content_formset,
    service_messages,
)
from .models import Campaign, CampaignTemplate
from .personalization import available_tags
from .selectors.analytics import campaign_analytics, campaign_summaries
from .selectors.campaigns import campaign_for, campaigns_visible_to
from .selectors.templates import campaign_template_for, templates_available
from .services import launch
from .services.campaigns import (
    CAMPAIGN_WRITE_ROLES,
    audience_queryset,
    campaign_create,
    campaign_create_from_template,
    campaign_preview,
    campaign_update,
)

PAGE_SIZE = 25
TABS = {
    "basic": "Basic info",
    "content": "Content",
    "audience": "Audience",
    "schedule": "Schedule",
}
SERIES = [
    ("sent", "Sent"),
    ("opened", "Opened"),
    ("clicked", "Clicked"),
    ("converted", "Converted"),
]
ACTIONS = {
    "launch": (launch.campaign_launch, "Campaign launched."),
    "pause": (launch.campaign_pause, "Campaign paused."),
    "resume": (launch.campaign_resume, "Campaign resumed."),
    "complete": (launch.campaign_complete, "Campaign completed."),
}


class CampaignsMixin(TenantPageMixin):
    def get_queryset(self):
        return campaigns_visible_to(tenant=self.tenant, membership=self.membership).select_related(
            "campaign_type", "status", "budget_type"
        )

    @cached_property
    def campaign(self) -> Campaign:
        return campaign_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=self.kwargs["pk"],
            queryset=self.get_queryset(),
        )

    @property
    def can_write(self) -> bool:
        return self.membership.role in CAMPAIGN_WRITE_ROLES

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_write=self.can_write, **kwargs)


class WriteRequiredMixin:
    """After the tenant checks (list it after CampaignsMixin): members whose role may not
    write campaigns get a 403, as in the API."""

    def dispatch(self, request, *args, **kwargs):
        if request.membership.role not in CAMPAIGN_WRITE_ROLES:
            raise PermissionDenied("Only managers and admins build and run campaigns.")
        return super().dispatch(request, *args, **kwargs)


# ---------------------------------------------------------------------------------------------
# List


class CampaignListView(HtmxPartialMixin, CampaignsMixin, TemplateView):
    """Filters by status, type and name through GET parameters; htmx swaps only the results."""

    template_name = "campaigns/list.html"
    partial_template_name = "campaigns/_results.html"

    def get_context_data(self, **kwargs):
        form = CampaignFilterForm(self.request.GET, tenant=self.tenant)
        campaigns = self.get_queryset().prefetch_related("plans__channel")
        campaigns = form.filter(campaigns) if form.is_valid() else campaigns.none()
        page = Paginator(campaigns, PAGE_SIZE).get_page(self.request.GET.get("page"))
        figures = campaign_summaries(tenant=self.tenant, campaign_ids=[c.pk for c in page])
        rows = [{"campaign": c, "figures": figures[c.pk]} for c in page]
        return super().get_context_data(
            filter_form=form,
            page_obj=page,
            rows=rows,
            templates=templates_available(tenant=self.tenant),
            **kwargs,
        )


# ---------------------------------------------------------------------------------------------
# Campaign page


def funnel_chart(figures: dict, *, width: int = 640) -> dict:
    """The delivered → opened → clicked → converted funnel: one bar per stage, as long as its
    share of the delivered messages."""
    label_width, bar_height, gap, top = 96, 30, 12, 6
    stages = [
        ("Delivered", figures["delivered"], figures["delivery_rate"], "of sent"),
        ("Opened", figures["opened"], figures["open_rate"], "of delivered"),
        ("Clicked", figures["clicked"], figures["click_rate"], "of delivered"),
        ("Converted", figures["converted"], figures["conversion_rate"], "of delivered"),
    ]
    bars = row_bars(
        [value for _, value, _, _ in stages],
        peak=peak_of([figures["delivered"], figures["converted"]]),
        track=width - label_width - 150,
        left=label_width,
        top=top,
        pitch=bar_height + gap,
        bar_height=bar_height,
        min_width=2,
    )
    for (label, value, rate, basis), bar in zip(stages, bars, strict=True):
        bar.update(
            label=label,
            value=value,
            rate=rate,
            basis=basis,
            kind=label.lower(),
            value_x=bar["end"] + 8,
        )
    return {"width": width, "height": top + len(stages) * (bar_height + gap), "bars": bars}


def daily_chart(daily: list[dict]) -> dict | None:
    """A line per series (sent, opened, clicked, converted) over the campaign's days."""
    if not daily:
        return None
    chart = day_lines([[day[key] for day in daily] for key, _ in SERIES], plot_height=150, right=12)
    lines = []
    for (key, label), line in zip(SERIES, chart["lines"], strict=True):
        points = [
            {**point, "date": day["date"], "value": day[key]}
            for point, day in zip(line["points"], daily, strict=True)
        ]
        total = sum(day[key] for day in daily)
        lines.append({**line, "key": key, "label": label, "total": total, "points": points})
    return {
        **chart,
        "lines": lines,
        "start_date": daily[0]["date"],
        "end_date": daily[-1]["date"],
    }


class CampaignDetailView(CampaignsMixin, TemplateView):
    template_name = "campaigns/detail.html"

    def get_context_data(self, **kwargs):
        campaign = self.campaign
        figures = campaign_analytics(campaign=campaign)
        verdicts = {test["channel_code"]: test for test in figures["ab_tests"]}
        return super().get_context_data(
            campaign=campaign,
            figures=figures,
            funnel=funnel_chart(figures),
            chart=daily_chart(figures["daily"]),
            verdicts=verdicts,
            plans=campaign.plans.select_related("channel"),
            **kwargs,
        )


class CampaignActionView(CampaignsMixin, WriteRequiredMixin, View):
    """Launch, pause, resume or complete (POST), then back to the campaign with a message."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        service, done = ACTIONS[self.kwargs["action"]]
        try:
            service(campaign=self.campaign, by=self.membership)
        except ValidationError as exc:
            for line in service_messages(exc):
                messages.error(request, line)
        else:
            messages.success(request, done)
        return redirect("campaigns:campaign-detail", pk=self.campaign.pk)


# ---------------------------------------------------------------------------------------------
# Creating: from scratch (basic info) or from a template


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


class TemplateListView(CampaignsMixin, TemplateView):
    template_name = "campaigns/templates.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            templates=templates_available(tenant=self.tenant), form=FromTemplateForm(), **kwargs
        )


class CreateFromTemplateView(CampaignsMixin, WriteRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        template: CampaignTemplate = campaign_template_for(
            tenant=self.tenant, membership=self.membership, pk=kwargs["pk"]
        )
        form = FromTemplateForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Give a name of at most 200 characters.")
            return redirect("campaigns:template-list")
        try:
            campaign = campaign_create_from_template(
                template=template, data=form.campaign_data(), by=self.membership
            )
        except ValidationError as exc:
            for line in service_messages(exc):
                messages.error(request, line)
            return redirect("campaigns:template-list")
        messages.success(request, f"Campaign created from “{template.template_name}”.")
        return redirect("campaigns:campaign-edit", pk=campaign.pk, tab="basic")


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
                "audience": AudienceForm(
                    data, definitions=self.definitions, condition=campaign.audience
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
    template_name = "campaigns/_audience_count.html"

    def post(self, request, *args, **kwargs):
        if request.POST.get("editor") == "json":
            json_form = ConditionJsonForm(request.POST)
            condition = json_form.cleaned_data["condition"] if json_form.is_valid() else None
            errors = [e for field in json_form.errors.values() for e in field]
        else:
            audience = AudienceForm(request.POST, definitions=active_definitions(self.tenant))
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
