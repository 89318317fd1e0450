"""The campaign list (with the recommendations panel), the campaign page with its funnel and
daily chart, and the status actions (launch, pause, resume, complete)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from tenancy.charts import day_lines, peak_of, row_bars
from tenancy.htmx import HtmxPartialMixin

from ..automation.selectors import campaign_triggers_overview
from ..forms.campaigns import CampaignFilterForm, service_messages
from ..selectors.analytics import campaign_analytics, campaign_summaries
from ..selectors.recommendations import MIN_SAMPLE, recommendation_report
from ..selectors.templates import templates_available
from ..services import launch
from .base import CampaignsMixin, WriteRequiredMixin

PAGE_SIZE = 25
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
        if not self.is_partial():  # the panel stands outside the results htmx swaps
            kwargs["recommendations"] = {
                **recommendation_report(tenant=self.tenant),
                "min_sample": MIN_SAMPLE,
            }
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
            triggers=campaign_triggers_overview(campaign=campaign),
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
