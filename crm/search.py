"""crm's groups in the global search (tenancy.search): customers and leads, matched on their
trigram-indexed `search_text` (every word in name, email, phone or company), newest first.
Leads follow the lead list: the member's visible leads, archived ones left out; "all results"
opens each list with the same `search`."""

from django.http import QueryDict
from django.urls import reverse

from tenancy.search import Hit, register_search

from .filters import customer_search, lead_search
from .selectors.customers import customers_visible_to
from .selectors.leads import leads_visible_to


def _list_url(route: str):
    def url(query: str) -> str:
        params = QueryDict(mutable=True)
        params["search"] = query
        return f"{reverse(route)}?{params.urlencode()}"

    return url


def _detail(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def find_customers(*, tenant, membership, query: str, limit: int) -> list[Hit]:
    customers = customer_search(
        customers_visible_to(tenant=tenant, membership=membership), query
    ).order_by("-created_at", "-id")
    return [
        Hit(c.full_name, c.get_absolute_url(), _detail(c.company, c.email or c.phone))
        for c in customers.only("first_name", "last_name", "company", "email", "phone")[:limit]
    ]


def find_leads(*, tenant, membership, query: str, limit: int) -> list[Hit]:
    leads = lead_search(
        leads_visible_to(tenant=tenant, membership=membership).filter(archived_at__isnull=True),
        query,
    ).order_by("-created_at", "-id")
    fields = ("first_name", "last_name", "company", "email", "phone", "status")
    return [
        Hit(
            lead.full_name,
            lead.get_absolute_url(),
            _detail(lead.get_status_display(), lead.company, lead.email or lead.phone),
        )
        for lead in leads.only(*fields)[:limit]
    ]


def register() -> None:
    register_search(
        "customers",
        title="Customers",
        order=10,
        find=find_customers,
        list_url=_list_url("crm:customer-list"),
    )
    register_search(
        "leads", title="Leads", order=20, find=find_leads, list_url=_list_url("crm:lead-list")
    )
