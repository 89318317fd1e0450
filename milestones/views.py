"""The milestone pages: recording on the lead page (its timeline is the `lead_timeline` tag), the
bottleneck dashboard and the overdue list. Thin views over the selectors and services; a lead is
fetched through `lead_for` (crm's VisibleLeadsMixin), so another tenant's or another agent's lead
is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from crm.models import CLOSED_STATUSES
from crm.views.base import VisibleLeadsMixin
from tenancy.caching import as_of_context
from tenancy.charts import day_bars, grouped_bars, peak_of, row_bars
from tenancy.forms import add_service_errors, error_text
from tenancy.htmx import htmx_redirect, is_htmx
from tenancy.scoping import TenantPageMixin

from .forms import DashboardForm, LeadTemplateForm, MilestoneRecordForm, StatusForm
from .models import MilestoneStatus, MilestoneTemplate
from .rules import allowed_moves
from .selectors.dashboard import milestone_dashboard
from .selectors.lead_milestones import milestone_for
from .selectors.overdue import overdue_steps_for
from .selectors.timeline import lead_timeline, local_today
from .services.config import lead_template_set
from .services.lead_milestones import milestone_record, milestone_set_status

OVERDUE_PAGE_SIZE = 50
# What each move of the status graph is called on the buttons.
MOVE_LABELS = {
    MilestoneStatus.IN_PROGRESS: "Start",
    MilestoneStatus.COMPLETED: "Complete",
    MilestoneStatus.SKIPPED: "Skip",
    MilestoneStatus.FAILED: "Fail",
}


def timeline_context(request, lead, *, form: MilestoneRecordForm | None = None) -> dict:
    """What templates/milestones/_timeline.html shows for the lead."""
    tenant = request.tenant
    timeline = lead_timeline(tenant=tenant, lead=lead, now=timezone.now())
    moves = {
        entry.milestone.pk: [
            (status, MOVE_LABELS[status]) for status in allowed_moves(entry.milestone)
        ]
        for entry in timeline.entries
    }
    if lead.is_archived:
        no_next_reason = "the lead is archived"
    elif lead.status in CLOSED_STATUSES:
        no_next_reason = f"the lead is closed ({lead.get_status_display()})"
    else:
        no_next_reason = "every step of the template is passed"
    return {
        "lead": lead,
        "timeline": timeline,
        "no_next_reason": no_next_reason,
        "entries": [(entry, moves[entry.milestone.pk]) for entry in timeline.entries],
        "form": form
        or MilestoneRecordForm(
            tenant=tenant, initial={"achieved_date": local_today(tenant, timezone.now())}
        ),
        "template_form": LeadTemplateForm(
            tenant=tenant,
            initial={
                "template": lead.milestone_plans.values_list("template_id", flat=True).first()
            },
        ),
        "request": request,
    }


def back_to_lead(request, lead):
    """After a write: htmx reloads the whole lead page (timeline and activity log alike)."""
    if is_htmx(request):
        return htmx_redirect(lead.get_absolute_url())
    return redirect(lead)


class MilestoneRecordView(VisibleLeadsMixin, View):
    """POST the record form of the lead page. A refusal shows the form again with its errors:
    in place with htmx, on a page of its own without."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = MilestoneRecordForm(request.POST, tenant=self.tenant)
        if form.is_valid():
            try:
                milestone = milestone_record(
                    lead=self.lead, by=self.membership, data=form.milestone_data()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                name = milestone.milestone_type.type_name
                messages.success(request, f"Milestone recorded: {name}.")
                return back_to_lead(request, self.lead)
        context = timeline_context(request, self.lead, form=form)
        if is_htmx(request):
            return TemplateResponse(request, "milestones/_timeline.html", context)
        return TemplateResponse(request, "milestones/record.html", context)


class MilestoneStatusView(VisibleLeadsMixin, View):
    """POST a status button of the timeline, then back to the lead."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        milestone = milestone_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=kwargs["milestone_id"],
            lead=self.lead,
        )
        form = StatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a milestone status.")
            return back_to_lead(request, self.lead)
        try:
            milestone_set_status(
                milestone=milestone, by=self.membership, status=form.cleaned_data["status"]
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            label = MilestoneStatus(milestone.status).label.lower()
            messages.success(request, f"{milestone.milestone_type.type_name}: {label}.")
        return back_to_lead(request, self.lead)


class LeadTemplateView(VisibleLeadsMixin, View):
    """POST which template the lead follows, then back to the lead."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = LeadTemplateForm(request.POST, tenant=self.tenant)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["template"]))
            return back_to_lead(request, self.lead)
        try:
            template = lead_template_set(
                lead=self.lead, by=self.membership, template=form.cleaned_data["template"]
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"The lead follows {template}.")
        return back_to_lead(request, self.lead)


# ---------------------------------------------------------------------------------------------
# Charts (their geometry: tenancy.charts)


def days_chart(rows: list[dict]) -> dict:
    """Two bars per transition (average and median days) and a dashed line at its SLA."""
    chart = grouped_bars(
        [[row["average_days"], row["median_days"]] for row in rows],
        plot_height=170,
        group_width=120,
        bar_width=34,
        inset=12,
        peak=peak_of(
            row[key] for row in rows for key in ("average_days", "median_days", "sla_days")
        ),
    )
    groups = []
    for i, (row, group) in enumerate(zip(rows, chart["groups"], strict=True)):
        sla = row["sla_days"]
        groups.append(
            {
                "label": f"{row['from_milestone']} → {row['to_milestone']}",
                "short": f"{i + 1}",
                "bars": [
                    {**bar, "kind": kind, "value": "—" if bar["value"] is None else bar["value"]}
                    for bar, kind in zip(group["bars"], ("average", "median"), strict=True)
                ],
                "label_x": group["centre"],
                "sla_y": None if sla is None else chart["scale"].y(sla),
                "sla_x1": group["x"] - 6,
                "sla_x2": group["end"] + 6,
                "sla_days": sla,
            }
        )
    return {**chart, "groups": groups}


def breach_chart(rows: list[dict], *, width: int = 200, label_width: int = 230) -> dict:
    """One horizontal bar per transition: the share of its leads that breached the SLA."""
    row_height, bar_height = 26, 16
    bars = row_bars(
        [row["sla_breach_percent"] for row in rows],
        peak=100,
        track=width,
        left=label_width,
        top=8,
        pitch=row_height,
        bar_height=bar_height,
    )
    for i, (row, bar) in enumerate(zip(rows, bars, strict=True)):
        percent = row["sla_breach_percent"]
        bar["label"] = f"{i + 1}. {row['from_milestone']} → {row['to_milestone']}"
        bar["value"] = "no SLA" if percent is None else f"{percent}%"
        bar["value_x"] = label_width + width + 6
    return {
        "width": label_width + width + 70,
        "height": 16 + max(len(rows), 1) * row_height,
        "left": label_width,
        "bar_height": bar_height,
        "track": width,
        "bars": bars,
    }


def trend_chart(series: list[dict]) -> dict:
    """A bar per day: milestones completed that day."""
    chart = day_bars([point["completed_count"] for point in series], plot_height=110)
    return {
        **chart,
        "bars": [{**bar, "point": point} for bar, point in zip(chart["bars"], series, strict=True)],
        "start_date": series[0]["date"] if series else None,
        "end_date": series[-1]["date"] if series else None,
    }


class BottleneckDashboardView(TenantPageMixin, TemplateView):
    template_name = "milestones/dashboard.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        form = DashboardForm(self.request.GET, tenant=self.tenant)
        chosen = form.cleaned_data if form.is_valid() else {}
        template = chosen.get("template") or (
            MilestoneTemplate.objects.for_tenant(self.tenant).live().filter(is_default=True).first()
        )
        milestone_type = chosen.get("type_code")
        figures = milestone_dashboard(
            tenant=self.tenant,
            template=template,
            milestone_type=milestone_type,
            now=now,
            refresh=bool(self.request.GET.get("refresh")),
        )
        dashboard = figures.value
        rows, series = dashboard.rows, dashboard.series
        return super().get_context_data(
            form=form,
            template=template,
            milestone_type=milestone_type,
            **as_of_context(
                figures,
                {
                    "template": template.pk if template else None,
                    "type_code": milestone_type.type_code if milestone_type else None,
                },
            ),
            rows=rows,
            days_chart=days_chart(rows),
            breach_chart=breach_chart(rows),
            completion=dashboard.completion,
            trend=trend_chart(series),
            trend_total=sum(p["completed_count"] for p in series),
            trend_days=dashboard.days,
            **kwargs,
        )


class OverdueListView(TenantPageMixin, TemplateView):
    """Open steps past their due day on the leads you may see, oldest first."""

    template_name = "milestones/overdue.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        steps = overdue_steps_for(tenant=self.tenant, membership=self.membership, now=now)
        page = Paginator(steps, OVERDUE_PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page_obj=page, steps=page.object_list, as_of=local_today(self.tenant, now), **kwargs
        )
