"""The home page for the day (`/`) and the global search (`/search/`): both gather from
registries the apps fill (tenancy.home, tenancy.search), so they import no feature app."""

from django.utils import timezone
from django.views.generic import TemplateView

from ..home import Day, figures_chart, panels_for
from ..htmx import HtmxPartialMixin
from ..scoping import TenantPageMixin
from ..search import MIN_QUERY_LENGTH, clean_query, search_everything

# Hits per group: in the box's drop-down as you type, and on the full results page.
DROPDOWN_HITS = 5
PAGE_HITS = 20


class HomeView(TenantPageMixin, TemplateView):
    """The member's panels, and the team's for managers and admins; each figure links to the
    list it counts."""

    template_name = "tenancy/home.html"

    def get_context_data(self, **kwargs):
        day = Day(tenant=self.tenant, membership=self.membership, now=timezone.now())
        panels = {
            audience: [
                {"panel": panel, "chart": figures_chart(panel.figures) if panel.chart else None}
                for panel in listed
            ]
            for audience, listed in panels_for(day=day).items()
        }
        return super().get_context_data(
            today=day.today, mine=panels["mine"], team=panels["team"], **kwargs
        )


class SearchView(HtmxPartialMixin, TenantPageMixin, TemplateView):
    """`?q=`: every registered group's hits among what the member may see. The box in the
    navigation asks through htmx as you type and gets the short drop-down; without JavaScript
    (Enter) the full page answers."""

    template_name = "tenancy/search.html"
    partial_template_name = "tenancy/_search_dropdown.html"

    def get_context_data(self, **kwargs):
        query = clean_query(self.request.GET.get("q"))
        limit = DROPDOWN_HITS if self.is_partial() else PAGE_HITS
        groups = search_everything(
            tenant=self.tenant, membership=self.membership, query=query, limit=limit
        )
        return super().get_context_data(
            query=query,
            groups=groups,
            found=any(group.hits for group in groups),
            too_short=0 < len(query) < MIN_QUERY_LENGTH,
            min_length=MIN_QUERY_LENGTH,
            **kwargs,
        )
