"""campaigns' group in the global search (tenancy.search): every campaign of the tenant (all
members see them) whose name contains what was typed (as the campaign list's search does); "all
results" is the campaign list with the same search."""

from django.http import QueryDict
from django.urls import reverse

from tenancy.search import Hit, register_search

from .selectors.campaigns import campaigns_visible_to


def find_campaigns(*, tenant, membership, query: str, limit: int) -> list[Hit]:
    campaigns = (
        campaigns_visible_to(tenant=tenant, membership=membership)
        .filter(name__icontains=query)
        .select_related("status", "campaign_type")
        .order_by("-id")
    )
    return [
        Hit(
            c.name,
            reverse("campaigns:campaign-detail", args=[c.pk]),
            f"{c.campaign_type.type_name} · {c.status.status_name}",
        )
        for c in campaigns[:limit]
    ]


def campaign_list_url(query: str) -> str:
    params = QueryDict(mutable=True)
    params["search"] = query
    return f"{reverse('campaigns:campaign-list')}?{params.urlencode()}"


def register() -> None:
    register_search(
        "campaigns", title="Campaigns", order=40, find=find_campaigns, list_url=campaign_list_url
    )
