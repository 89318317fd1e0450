"""The source performance page: every source side by side over a period, one source's figures
overall and per sub-source, and every source's leads per day over the last 30 days."""

from django.core.exceptions import ValidationError
from django.views.generic import TemplateView

from tenancy.caching import as_of_context
from tenancy.charts import day_lines, grouped_bars
from tenancy.dates import parse_date_range
from tenancy.forms import add_service_errors
from tenancy.scoping import TenantPageMixin

from ..forms import SourcePerformanceForm
from ..models import LeadSource
from ..selectors.sources import sources_dashboard


def bar_chart(groups: list[tuple[str, int, int]]) -> dict:
    """Two bars per group (generated, converted), the group's label under them."""
    chart = grouped_bars(
        [values for _, *values in groups],
        plot_height=160,
        group_width=96,
        bar_width=30,
        inset=14,
    )
    bars, labels = [], []
    for (label, *_), group in zip(groups, chart["groups"], strict=True):
        for bar, kind in zip(group["bars"], ("generated", "converted"), strict=True):
            bars.append({**bar, "kind": kind, "label": label})
        labels.append({"x": group["centre"], "text": label})
    return {**chart, "bars": bars, "labels": labels}


def line_chart(trends: dict) -> dict:
    """A line per source: leads generated per day."""
    sources = trends["sources"]
    chart = day_lines(
        [[point["leads_generated"] for point in source["series"]] for source in sources],
        plot_height=140,
    )
    return {
        **chart,
        "days": trends["days"],
        "lines": [{**source, **line} for source, line in zip(sources, chart["lines"], strict=True)],
        "start_date": trends["start_date"],
        "end_date": trends["end_date"],
    }


class SourcePerformanceView(TenantPageMixin, TemplateView):
    template_name = "crm/sources/performance.html"

    def get_context_data(self, **kwargs):
        data = self.request.GET.copy()
        refresh = bool(data.pop("refresh", None))
        if not data.get("source"):
            default = LeadSource.objects.for_tenant(self.tenant).live().filter(is_default=True)
            data["source"] = default.values_list("source_code", flat=True).first() or ""
        form = SourcePerformanceForm(data, tenant=self.tenant)
        source = period = None
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
                source = form.cleaned_data["source"]
        figures = sources_dashboard(
            tenant=self.tenant, source=source, period=period, refresh=refresh
        )
        performance, compared = figures.value["performance"], figures.value["compared"]
        compared_chart = chart = None
        if compared:
            compared_chart = bar_chart(
                [
                    (row["source_name"], row["leads_generated"], row["leads_converted"])
                    for row in compared
                ]
            )
        if performance is not None:
            groups = [("All", performance["leads_generated"], performance["leads_converted"])]
            groups += [
                (sub["sub_source_name"], sub["leads_generated"], sub["leads_converted"])
                for sub in performance["sub_sources"]
            ]
            chart = bar_chart(groups)
        return super().get_context_data(
            form=form,
            performance=performance,
            chart=chart,
            trends=line_chart(figures.value["trends"]),
            compared=compared,
            compared_chart=compared_chart,
            **as_of_context(
                figures,
                {"source": source.source_code, "start_date": period.start, "end_date": period.end}
                if source
                else {},
            ),
            **kwargs,
        )
