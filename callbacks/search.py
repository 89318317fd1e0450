"""callbacks' group in the global search (tenancy.search): the callbacks the member sees (an
agent: theirs and the pool), open or closed, whose contact (customer or lead) has every word
searched for in its name, email, phone or company, or whose own phone number has them; newest
first. The contacts are matched first, through their trigram-indexed `search_text`, and the
callbacks by their ids, and the shown callbacks' contacts loaded afterwards: joining every
callback to its contact read the tenant's whole lead table (bench/search)."""

from django.db.models import Q

from crm.filters import customer_search, lead_search
from crm.models import Customer, Lead
from tenancy.search import Hit, register_search

from .selectors import callbacks_visible_to


def find_callbacks(*, tenant, membership, query: str, limit: int) -> list[Hit]:
    customers = customer_search(Customer.objects.for_tenant(tenant), query).values("pk")
    leads = lead_search(Lead.objects.for_tenant(tenant), query).values("pk")
    phone = Q()
    for term in query.split():
        phone &= Q(phone__contains=term)
    callbacks = (
        callbacks_visible_to(tenant=tenant, membership=membership)
        .filter(Q(customer__in=customers) | Q(lead__in=leads) | phone)
        .order_by("-created_at", "-id")
        # Not select_related: the planner then joins every callback to the leads table.
        .prefetch_related("customer", "lead")
    )
    return [
        Hit(
            callback.contact_name,
            callback.get_absolute_url(),
            f"{callback.get_reason_display()} · {callback.get_status_display()} · {callback.phone}",
        )
        for callback in callbacks[:limit]
    ]


def register() -> None:
    register_search("callbacks", title="Callbacks", order=30, find=find_callbacks)
