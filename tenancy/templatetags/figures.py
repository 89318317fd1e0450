"""How the pages show an ROI (campaigns, sources): honest when the cost is too small to mean
anything (docs/metrics.md, "ROI on screen")."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html

register = template.Library()

# Below this cost (in the tenant's currency) an ROI is noise: 0.07 spent and 7.00 back is
# "9,900%". The figure is then "—", with the inputs.
ROI_MIN_COST = Decimal("1.00")
# Above this percentage the figure reads better as a ratio ("42× the cost").
ROI_AS_RATIO_ABOVE = Decimal("1000")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.simple_tag
def roi_figure(roi, cost, revenue):
    """The ROI cell: "35.2%", "×42" (revenue ÷ cost) when above 1,000 %, or "—" when there is
    no cost or it is under 1.00; the inputs are in the title, so they show on hover and to
    screen readers."""
    cost, revenue, roi = _decimal(cost), _decimal(revenue), _decimal(roi)
    inputs = f"revenue {revenue or 0} on a cost of {cost or 0}"
    if roi is None or cost is None or cost < ROI_MIN_COST:
        why = "no cost yet" if not cost else f"a cost of {cost} is too small to mean anything"
        return format_html('<abbr class="roi" title="ROI: {}; {}">—</abbr>', why, inputs)
    if roi > ROI_AS_RATIO_ABOVE:
        ratio = (revenue / cost).quantize(Decimal("1"))
        return format_html(
            '<abbr class="roi" title="ROI {}%: {}">×{} the cost</abbr>', roi, inputs, ratio
        )
    return format_html('<abbr class="roi" title="ROI: {}">{}%</abbr>', inputs, roi)


# KPI names as a person reads them; others lose their underscores ("cost_per_lead" -> "Cost per
# lead"). A campaign's KPIs are names the tenant's catalogue chose, not a closed list.
KPI_WORDS = {
    "open_rate": "Open rate",
    "click_rate": "Click rate",
    "ctr": "Click-through rate",
    "cpl": "Cost per lead",
    "cpc": "Cost per click",
    "cpm": "Cost per thousand impressions",
    "roi": "ROI",
    "conversions": "Conversions",
    "conversion_rate": "Conversion rate",
}


@register.filter
def kpi_words(names) -> str:
    """`["open_rate", "click_rate"]` -> "Open rate, Click rate"; "—" when there are none."""
    words = [
        KPI_WORDS.get(str(name).lower(), str(name).replace("_", " ").strip().capitalize())
        for name in names or []
    ]
    return ", ".join(word for word in words if word) or "—"
