"""The customer timeline's campaign entries: each message sent to the customer, and what came
back (opens, clicks, conversions, unsubscribes; delivery reports are the provider's business,
not the customer's, and machine opens a proxy's), each read through a (tenant, customer, time)
index. Registered with crm's timeline by CampaignsConfig.ready."""

from crm.timeline import Entry, Provider, TimelineQuery, keyset_page, register

from .models import CampaignExecution, CampaignResponse, ResponseKind

RESPONSE_KINDS = {
    ResponseKind.OPEN: "campaign_opened",
    ResponseKind.CLICK: "campaign_clicked",
    ResponseKind.CONVERSION: "conversion",
    ResponseKind.UNSUBSCRIBE: "unsubscribed",
}


def sent_entries(query: TimelineQuery) -> list[Entry]:
    rows = keyset_page(
        CampaignExecution.objects.filter(
            tenant=query.tenant, customer=query.customer, sent_at__isnull=False
        ),
        query,
        source="campaign_sent",
        time_field="sent_at",
    ).values(
        "pk",
        "sent_at",
        "campaign_id",
        "campaign__name",
        "channel__channel_code",
        "channel__channel_name",
        "status",
        "variant",
    )
    return [
        Entry.make(
            "campaign_sent",
            row["pk"],
            kind="campaign_sent",
            occurred_at=row["sent_at"],
            actor=None,
            summary=f"Sent “{row['campaign__name']}” by {row['channel__channel_name']}",
            data={
                "campaign": row["campaign_id"],
                "campaign_name": row["campaign__name"],
                "channel": row["channel__channel_code"],
                "status": row["status"],
                "variant": row["variant"],
            },
        )
        for row in rows
    ]


def response_entries(query: TimelineQuery) -> list[Entry]:
    wanted = [code for code, kind in RESPONSE_KINDS.items() if kind in query.kinds]
    rows = keyset_page(
        # A machine open (campaigns.machine_opens) is not the customer opening anything.
        CampaignResponse.objects.filter(
            tenant=query.tenant, customer=query.customer, kind__in=wanted, is_machine_open=False
        ),
        query,
        source="campaign_response",
        time_field="occurred_at",
    ).values("pk", "occurred_at", "kind", "campaign_id", "campaign__name", "url", "value")
    return [
        Entry.make(
            "campaign_response",
            row["pk"],
            kind=RESPONSE_KINDS[row["kind"]],
            occurred_at=row["occurred_at"],
            actor=None,
            summary=_summary(row),
            data={
                "campaign": row["campaign_id"],
                "campaign_name": row["campaign__name"],
                "url": row["url"],
                "value": None if row["value"] is None else str(row["value"]),
            },
        )
        for row in rows
    ]


def _summary(row: dict) -> str:
    name, url, value = row["campaign__name"], row["url"], row["value"]
    if row["kind"] == ResponseKind.CLICK:
        return f"Clicked a link in “{name}”" + (f": {url}" if url else "")
    if row["kind"] == ResponseKind.CONVERSION:
        return f"Converted from “{name}”" + (f" worth {value}" if value is not None else "")
    if row["kind"] == ResponseKind.UNSUBSCRIBE:
        return f"Unsubscribed through “{name}”"
    return f"Opened “{name}”"


def register_timeline() -> None:
    register(Provider(source="campaign_sent", kinds=("campaign_sent",), fetch=sent_entries))
    register(
        Provider(
            source="campaign_response",
            kinds=tuple(RESPONSE_KINDS.values()),
            fetch=response_entries,
        )
    )
