"""The campaign list (with the recommendations panel), the campaign page with its funnel and
daily chart, and the status actions (launch, pause, resume, complete)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from tenancy.charts import day_lines, peak_of, row_bars
from tenancy.confirm import ask, confirmed
from tenancy.htmx import HtmxPartialMixin
from tenancy.pagination import page_of

from ..automation.selectors import campaign_triggers_overview
from ..forms.campaigns import CampaignFilterForm, service_messages
from ..models import ExecutionStatus, StatusPhase
from ..selectors.analytics import campaign_analytics, campaign_summaries
from ..selectors.recommendations import MIN_SAMPLE, recommendation_report
from ..selectors.templates import templates_available
from ..services import launch
from ..services.campaigns import audience_queryset
from .base import CampaignsMixin, WriteRequiredMixin

PAGE_SIZE = 25
SERIES = [
    ("sent", "Sent"),
    ("opened", "Opened"),
    ("clicked", "Clicked"),
    ("converted", "Converted"),
]
# Actions that ask first: launching sends to the whole audience, completing skips what is left.
CONFIRMED_ACTIONS = {"launch", "complete"}
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
        page = page_of(self.request, campaigns, PAGE_SIZE)
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


def sending_state(campaign, figures: dict) -> dict:
    """How far the sending has got while it runs ({"sending": {done, total, percent}}), or when
    it is held for its start ({"scheduled": time}); empty otherwise."""
    if campaign.status.phase != StatusPhase.ACTIVE or not figures["pending"]:
        return {}
    if campaign.scheduled_at and campaign.scheduled_at > timezone.now():
        return {"scheduled": timezone.localtime(campaign.scheduled_at, campaign.tenant.tzinfo)}
    total = figures["audience"] or figures["pending"]
    done = max(total - figures["pending"], 0)
    return {"sending": {"done": done, "total": total, "percent": round(100 * done / total)}}


class CampaignFiguresView(CampaignsMixin, TemplateView):
    """The figures section alone (htmx polls it while the campaign sends)."""

    template_name = "campaigns/_figures.html"

    def get_context_data(self, **kwargs):
        campaign = self.campaign
        figures = campaign_analytics(campaign=campaign)
        return super().get_context_data(
            campaign=campaign, figures=figures, **sending_state(campaign, figures), **kwargs
        )


class CampaignDetailView(CampaignsMixin, TemplateView):
    template_name = "campaigns/detail.html"

    def get_context_data(self, **kwargs):
        campaign = self.campaign
        figures = campaign_analytics(campaign=campaign)
        plans = list(campaign.plans.select_related("channel"))
        names = {plan.channel.channel_code: plan.channel.channel_name for plan in plans}
        for row in [*figures["variants"], *figures["ab_tests"]]:  # channels by name, not code
            row["channel_name"] = names.get(row["channel_code"], row["channel_code"])
        verdicts = {test["channel_code"]: test for test in figures["ab_tests"]}
        return super().get_context_data(
            **sending_state(campaign, figures),
            campaign=campaign,
            figures=figures,
            funnel=funnel_chart(figures),
            chart=daily_chart(figures["daily"]),
            verdicts=verdicts,
            plans=plans,
            triggers=campaign_triggers_overview(campaign=campaign),
            **kwargs,
        )


class CampaignActionView(CampaignsMixin, WriteRequiredMixin, View):
    """Launch, pause, resume or complete (POST), then back to the campaign with a message."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        action = self.kwargs["action"]
        service, done = ACTIONS[action]
        options = {}
        if action in CONFIRMED_ACTIONS and not confirmed(request) and self.applies(action):
            try:
                if action == "launch":  # refused before asking, not after
                    launch.check_launchable(self.campaign)
            except ValidationError as exc:
                for line in service_messages(exc):
                    messages.error(request, line)
                return redirect("campaigns:campaign-detail", pk=self.campaign.pk)
            return self.ask(action)
        if action == "launch" and request.POST.get("when") == "start":
            options["send_at"] = launch.launch_start_time(self.campaign)
            if options["send_at"] is None:
                messages.error(request, "The start date has passed; launch it to send now.")
                return redirect("campaigns:campaign-detail", pk=self.campaign.pk)
            done = f"Campaign launched; sending starts {self._when(options['send_at'])}."
        try:
            service(campaign=self.campaign, by=self.membership, **options)
        except ValidationError as exc:
            for line in service_messages(exc):
                messages.error(request, line)
        else:
            messages.success(request, done)
        return redirect("campaigns:campaign-detail", pk=self.campaign.pk)

    def applies(self, action: str) -> bool:
        """Whether the action would do something to ask about (the service answers the rest:
        a launched campaign is not launched again, a completed one not completed again)."""
        if action == "launch":
            return self.campaign.launched_at is None
        return self.campaign.launched_at is not None and self.campaign.status.phase != "completed"

    def _when(self, moment) -> str:
        local = timezone.localtime(moment, self.tenant.tzinfo)
        return f"{local:%a %d %b %Y, %H:%M} ({self.tenant.timezone})"

    def ask(self, action: str):
        campaign = self.campaign
        back = reverse("campaigns:campaign-detail", args=[campaign.pk])
        name = campaign.name
        if action == "complete":
            waiting = campaign.executions.filter(status=ExecutionStatus.PENDING).count()
            return ask(
                self.request,
                question=f"Complete {name}?",
                button="Complete the campaign",
                details=(
                    f"{waiting} message{'s' if waiting != 1 else ''} not sent yet will not be "
                    f"sent. Its triggers stop. This cannot be undone."
                ),
                danger=True,
                back=back,
            )
        count = audience_queryset(tenant=self.tenant, condition=campaign.audience).count()
        people = f"{count} customer{'s' if count != 1 else ''}"
        details = "Opted-out customers and those without an address for a channel are skipped."
        start = launch.launch_start_time(campaign)
        if start is not None:
            return ask(
                self.request,
                question=f"Send {name} to {people} now, or at its start?",
                button="",
                details=[f"It starts {self._when(start)}.", details],
                back=back,
                choices=[
                    ("when", "start", f"Schedule for {self._when(start)}"),
                    ("when", "now", "Send now"),
                ],
            )
        if campaign.scheduled_at and campaign.scheduled_at > timezone.now():
            question = f"Launch {name}? It sends to {people} {self._when(campaign.scheduled_at)}."
            button = f"Launch for {self._when(campaign.scheduled_at)}"
        else:
            question, button = f"Send {name} to {people} now?", f"Send to {people}"
        return ask(self.request, question=question, button=button, details=details, back=back)
