"""The customer timeline's callback entries: the log of every callback request for the
customer or one of its leads (created, assigned, claimed, calls, status changes, notes), read
through the log's (tenant, callback, created_at) index. An agent sees the log of the callbacks
they may see (theirs and unassigned ones), as in the queue. Registered with crm's timeline by
CallbacksConfig.ready."""

from django.db.models import Q

from crm.timeline import Entry, Provider, TimelineQuery, keyset_page, register
from crm.timeline.providers import linked_leads

from .models import CallbackActivity, CallbackReason, CallbackRequest
from .selectors import callbacks_visible_to

REASONS = dict(CallbackReason.choices)


def callback_entries(query: TimelineQuery) -> list[Entry]:
    if query.membership is None:
        callbacks = CallbackRequest.objects.for_tenant(query.tenant)
    else:
        callbacks = callbacks_visible_to(tenant=query.tenant, membership=query.membership)
    leads = linked_leads(query).values("pk")
    callbacks = callbacks.filter(Q(customer=query.customer) | Q(lead__in=leads)).values("pk")
    rows = keyset_page(
        CallbackActivity.objects.filter(tenant=query.tenant, callback__in=callbacks),
        query,
        source="callback",
        time_field="created_at",
    ).values(
        "pk",
        "created_at",
        "actor__username",
        "kind",
        "message",
        "note",
        "from_status",
        "to_status",
        "callback_id",
        "callback__reason",
    )
    return [
        Entry.make(
            "callback",
            row["pk"],
            kind="callback",
            occurred_at=row["created_at"],
            actor=row["actor__username"],
            summary=f"Callback ({REASONS.get(row['callback__reason'], '').lower()}): "
            f"{row['message']}" + (f" — {row['note']}" if row["note"] else ""),
            data={
                "callback": row["callback_id"],
                "activity": row["kind"],
                "from_status": row["from_status"],
                "to_status": row["to_status"],
                "note": row["note"],
            },
        )
        for row in rows
    ]


def register_timeline() -> None:
    register(Provider(source="callback", kinds=("callback",), fetch=callback_entries))
