"""The source performance page: one source's figures over a period, overall and per
sub-source, and every source's leads per day over the last 30 days."""

from django.core.exceptions import ValidationError
from django.views.generic import TemplateView

from tenancy.dates import DEFAULT_DAYS, parse_date_range
from tenancy.forms import add_service_errors
from tenancy.scoping import TenantPageMixin

from ..forms import SourcePerformanceForm
from ..models import LeadSource
from ..selectors.sources import source_performance, source_trends

CHART_COLOURS = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777"]


def bar_chart(groups: list[tuple[str, int, int]], *, plot_height: int = 160) -> dict:
    """Geometry of an SVG chart with two bars per group (generated, converted)."""
    left, top, group_width, bar_width = 40, 16, 96, 30
    peak = max([1, *(value for _, *values in groups for value in values)])
    baseline = top + plot_height
    bars, labels = [], []
    for i, (label, *values) in enumerate(groups):
        x = left + i * group_width + 14
        for j, (value, kind) in enumerate(zip(values, ("generated", "converted"), strict=True)):
            height = round(value / peak * plot_height, 1)
            bar_x = x + j * (bar_width + 4)
            bars.append(
                {
                    "x": bar_x,
                    "y": baseline - height,
                    "centre": bar_x + bar_width / 2,
                    "value_y": baseline - height - 4,
                    "width": bar_width,
                    "height": height,
                    "value": value,
                    "kind": kind,
                    "label": label,
                }
            )
        labels.append({"x": x + bar_width + 2, "text": label})
    return {
        "width": left + max(len(groups), 1) * group_width + 8,
        "height": baseline + 28,
        "left": left,
        "top": top,
        "baseline": baseline,
        "label_y": baseline + 18,
        "peak": peak,
        "bars": bars,
        "labels": labels,
    }


def line_chart(trends: dict, *, width: int = 900, plot_height: int = 140) -> dict:
    """Geometry of an SVG line per source: leads generated per day."""
    left, top, right = 40, 12, 8
    sources = trends["sources"]
    days = trends["days"]
    peak = max([1, *(p["leads_generated"] for s in sources for p in s["series"])])
    step = (width - left - right) / max(days - 1, 1)
    baseline = top + plot_height
    lines = []
    for i, source in enumerate(sources):
        points = " ".join(
            f"{left + d * step:.1f},{baseline - p['leads_generated'] / peak * plot_height:.1f}"
            for d, p in enumerate(source["series"])
        )
        lines.append({**source, "points": points, "colour": CHART_COLOURS[i % len(CHART_COLOURS)]})
    return {
        "days": days,
        "width": width,
        "height": baseline + 24,
        "left": left,
        "right_x": width - right,
        "top": top,
        "baseline": baseline,
        "label_y": baseline + 16,
        "peak": peak,
        "lines": lines,
        "start_date": trends["start_date"],
        "end_date": trends["end_date"],
    }


class SourcePerformanceView(TenantPageMixin, TemplateView):
    template_name = "crm/sources/performance.html"

    def get_context_data(self, **kwargs):
        data = self.request.GET.copy()
        if not data.get("source"):
            default = LeadSource.objects.for_tenant(self.tenant).live().filter(is_default=True)
            data["source"] = default.values_list("source_code", flat=True).first() or ""
        form = SourcePerformanceForm(data, tenant=self.tenant)
        performance = None
        if form.is_valid():
            try:
                period = parse_date_range(
                    tenant=self.tenant,
                    start_date=form.cleaned_data["start_date"],
                    end_date=form.cleaned_data["end_date"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                performance = source_performance(
                    tenant=self.tenant, source=form.cleaned_data["source"], period=period
                )
        chart = None
        if performance is not None:
            groups = [("All", performance["leads_generated"], performance["leads_converted"])]
            groups += [
                (sub["sub_source_code"], sub["leads_generated"], sub["leads_converted"])
                for sub in performance["sub_sources"]
            ]
            chart = bar_chart(groups)
        trends = line_chart(source_trends(tenant=self.tenant, days=DEFAULT_DAYS))
        return super().get_context_data(
            form=form, performance=performance, chart=chart, trends=trends, **kwargs
        )
