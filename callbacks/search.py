"""callbacks' group in the global search (tenancy.search): the callbacks the member sees (an
agent: theirs and the pool), open or closed, whose contact's name, email, phone or company or
whose own phone number has every word searched for; newest first."""

from django.db.models import Q

from tenancy.search import Hit, register_search

from .selectors import callbacks_visible_to


def find_callbacks(*, tenant, membership, query: str, limit: int) -> list[Hit]:
    callbacks = callbacks_visible_to(tenant=tenant, membership=membership)
    for term in query.lower().split():
        callbacks = callbacks.filter(
            Q(customer__search_text__contains=term)
            | Q(lead__search_text__contains=term)
            | Q(phone__contains=term)
        )
    callbacks = callbacks.select_related("customer", "lead").order_by("-created_at", "-id")
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
