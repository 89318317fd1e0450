"""The customer profile's Activity tab: the customer's timeline (crm.timeline), newest first, a
page at a time ("Load more" fetches the next entries only), optionally of one kind."""

from django.core.exceptions import ValidationError

from ..timeline import KINDS, customer_timeline


def timeline_tab_context(request, *, tenant, membership, customer, limit: int) -> dict:
    kind = request.GET.get("kind")
    kind = kind if kind in KINDS else ""
    timeline = {"tenant": tenant, "membership": membership, "customer": customer, "limit": limit}
    if kind:
        timeline["kinds"] = frozenset({kind})
    cursor = request.GET.get("cursor") or None
    try:
        page = customer_timeline(cursor=cursor, **timeline)
    except ValidationError:  # a spoilt or stale cursor: start from the newest
        cursor, page = None, customer_timeline(**timeline)
    return {
        "entries": [{"entry": entry, "label": KINDS[entry.kind]} for entry in page.entries],
        "next_cursor": page.next_cursor,
        "kind": kind,
        "kinds": KINDS.items(),
        "older": cursor is not None,
    }
