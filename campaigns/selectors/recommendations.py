"""What the tenant's own campaign history recommends (docs/metrics.md, "Recommendations").

Everything rests on the last `WINDOW_DAYS` days of the tenant's own rows: messages by the day
they were sent, conversions by the day they occurred, ad figures by their day. Four grouped
queries (messages per campaign and channel, conversions per campaign and channel, ad figures
per campaign and channel, messages per send hour in the tenant's time zone) and one of campaign
names; the groups below are sums of those few rows, never a walk over messages.

Each kind compares groups (channels, campaign types, send hours, a campaign against the rest of
its type) and is refused — no item, a note saying why — unless at least `MIN_GROUPS` groups
have at least `MIN_SAMPLE` each: nothing is recommended from three sends."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractHour
from django.utils import timezone

from tenancy.models import Tenant

from ..models import (
    AdMetric,
    Campaign,
    CampaignChannel,
    CampaignExecution,
    CampaignResponse,
    ExecutionStatus,
    ResponseKind,
)

WINDOW_DAYS = 365
MIN_SAMPLE = 200  # delivered messages (and, for ROI, ad impressions) per compared group
MIN_GROUPS = 2
UNDER_MARGIN = Decimal("0.25")  # a campaign this far (relatively) below the rest of its type
MAX_UNDER = 5  # at most this many campaigns named as doing worse
BUDGET_GAP = Decimal("10")  # ROI percentage points between two channels before a move
BUDGET_SHARE = Decimal("0.10")  # the part of the lower channel's spend suggested for moving

ZERO = Decimal("0")
CENTS = Decimal("0.01")

KIND_TITLES = {
    "best_channel_conversion": "Best channel by conversion rate",
    "best_channel_roi": "Best channel by return on investment",
    "best_type_conversion": "Best campaign type by conversion rate",
    "best_type_roi": "Best campaign type by return on investment",
    "best_send_hour": "Best hour to send",
    "under_type_average": "Campaigns doing worse than their type",
    "budget_move": "Budget move between channels",
}
KINDS = list(KIND_TITLES)


@dataclass
class Group:
    key: object
    name: str
    delivered: int = 0
    clicked: int = 0
    conversions: int = 0
    revenue: Decimal = ZERO
    cost: Decimal = ZERO
    impressions: int = 0  # ad impressions

    def add(self, other: "Group") -> None:
        self.delivered += other.delivered
        self.clicked += other.clicked
        self.conversions += other.conversions
        self.revenue += other.revenue
        self.cost += other.cost
        self.impressions += other.impressions

    @property
    def reach(self) -> int:
        """What ROI rests on: delivered messages and ad impressions."""
        return self.delivered + self.impressions

    @property
    def conversion_rate(self) -> Decimal:
        return _percent(self.conversions, self.delivered)

    @property
    def click_rate(self) -> Decimal:
        return _percent(self.clicked, self.delivered)

    @property
    def roi(self) -> Decimal:
        return ((self.revenue - self.cost) * 100 / self.cost).quantize(CENTS)


def _percent(part, whole) -> Decimal:
    return (Decimal(part) * 100 / whole).quantize(CENTS) if whole else ZERO


def _money(value) -> str:
    return f"{(value or ZERO).quantize(CENTS):,}"


def _pct(value: Decimal) -> str:
    return f"{value:.2f}%".replace("-", "−")


# ---------------------------------------------------------------------------------------------
# The grouped queries


def _history(tenant: Tenant):
    """{(campaign_id, channel_id): Group} over the window, and the send-hour groups."""
    now = timezone.now()
    since = now - timedelta(days=WINDOW_DAYS)
    cells: dict[tuple, Group] = defaultdict(lambda: Group(None, ""))
    delivered = ~Q(status=ExecutionStatus.BOUNCED)
    executions = CampaignExecution.objects.filter(
        tenant=tenant, sent_at__isnull=False, sent_at__gte=since
    )
    for row in (
        executions.order_by()
        .values("campaign_id", "channel_id")
        .annotate(
            delivered=Count("pk", filter=delivered),
            clicked=Count("pk", filter=delivered & Q(clicked_at__isnull=False)),
            cost=Sum("cost"),
        )
    ):
        cell = cells[(row["campaign_id"], row["channel_id"])]
        cell.delivered, cell.clicked = row["delivered"], row["clicked"]
        cell.cost += row["cost"] or ZERO
    for row in (
        CampaignResponse.objects.filter(
            tenant=tenant, kind=ResponseKind.CONVERSION, occurred_at__gte=since
        )
        .order_by()
        .values("campaign_id", "channel_id")
        .annotate(n=Count("pk"), revenue=Sum("value"))
    ):
        cell = cells[(row["campaign_id"], row["channel_id"])]
        cell.conversions, cell.revenue = row["n"], row["revenue"] or ZERO
    since_day = timezone.localdate(since, timezone=tenant.tzinfo)
    for row in (
        AdMetric.objects.filter(tenant=tenant, date__gte=since_day)
        .order_by()
        .values("campaign_id", "channel_id")
        .annotate(impressions=Sum("impressions"), spend=Sum("spend"))
    ):
        cell = cells[(row["campaign_id"], row["channel_id"])]
        cell.impressions = row["impressions"] or 0
        cell.cost += row["spend"] or ZERO
    hours = {
        row["hour"]: Group(
            row["hour"], _hour_name(row["hour"]), delivered=row["delivered"], clicked=row["clicked"]
        )
        for row in executions.order_by()
        .annotate(hour=ExtractHour("sent_at", tzinfo=tenant.tzinfo))
        .values("hour")
        .annotate(
            delivered=Count("pk", filter=delivered),
            clicked=Count("pk", filter=delivered & Q(clicked_at__isnull=False)),
        )
    }
    return cells, hours


def _hour_name(hour: int) -> str:
    return f"{hour:02d}:00–{(hour + 1) % 24:02d}:00"


def _grouped(cells: dict, key_of, names: dict) -> dict:
    groups: dict = {}
    for (campaign_id, channel_id), cell in cells.items():
        key = key_of(campaign_id, channel_id)
        if key is None:
            continue
        if key not in groups:
            groups[key] = Group(key, names.get(key, ""))
        groups[key].add(cell)
    return groups


# ---------------------------------------------------------------------------------------------
# The comparisons


def _group_data(group: Group, metric: str) -> dict:
    data = {"key": group.key, "name": group.name, "delivered": group.delivered}
    if metric == "conversion_rate":
        data |= {"conversions": group.conversions, "conversion_rate": float(group.conversion_rate)}
    elif metric == "click_rate":
        data |= {"clicked": group.clicked, "click_rate": float(group.click_rate)}
    else:
        data |= {
            "ad_impressions": group.impressions,
            "cost": float(group.cost.quantize(CENTS)),
            "revenue": float(group.revenue.quantize(CENTS)),
            "roi": float(group.roi),
        }
    return data


def _not_enough(kind: str, samples: list[int], what: str) -> dict:
    samples = sorted(samples, reverse=True)
    have = samples[MIN_GROUPS - 1] if len(samples) >= MIN_GROUPS else 0
    return {
        "kind": kind,
        "title": KIND_TITLES[kind],
        "reason": f"Not enough sends yet: {have:,} of the {MIN_SAMPLE:,} needed. {what}",
        "sample_size": sum(samples),
    }


def _eligible(groups: dict, metric: str) -> tuple[list[Group], list[int]]:
    """The groups that may be compared on `metric`, best first, and every group's sample."""
    if metric == "roi":
        candidates = [g for g in groups.values() if g.cost > 0]
        samples = [g.reach for g in candidates]
        eligible = [g for g in candidates if g.reach >= MIN_SAMPLE]
    else:
        samples = [g.delivered for g in groups.values()]
        eligible = [g for g in groups.values() if g.delivered >= MIN_SAMPLE]
    eligible.sort(key=lambda g: (getattr(g, metric), str(g.name)), reverse=True)
    return eligible, samples


def _best(kind: str, groups: dict, metric: str, plural: str, rule: str, title: str):
    """(item, None) when a leader stands out, else (None, note). `title` is formatted with the
    leader's name."""
    eligible, samples = _eligible(groups, metric)
    if len(eligible) < MIN_GROUPS:
        return None, _not_enough(kind, samples, rule)
    best, second = eligible[0], eligible[1]
    sample = sum(g.reach if metric == "roi" else g.delivered for g in eligible)
    value, other = getattr(best, metric), getattr(second, metric)
    if value <= other:
        reason = f"No clear leader: {best.name} and {second.name} are level at {_pct(value)}."
        return None, {"kind": kind, "title": KIND_TITLES[kind], "reason": reason}
    if metric == "roi":
        reason = (
            f"{best.name} returned {_pct(value)} on {_money(best.cost)} spent, against "
            f"{_pct(other)} for {second.name}, the next best ({_money(second.cost)} spent)."
        )
    else:
        counted = "converted" if metric == "conversion_rate" else "were clicked"
        reason = (
            f"{best.name}: {_pct(value)} of {best.delivered:,} delivered messages {counted}, "
            f"against {_pct(other)} for {second.name}, the next best "
            f"({second.delivered:,} delivered)."
        )
    item = {
        "kind": kind,
        "title": title.format(best.name),
        "reason": reason,
        "sample_size": sample,
        "data": {
            "metric": metric,
            "leader": _group_data(best, metric),
            "runner_up": _group_data(second, metric),
            plural: [_group_data(g, metric) for g in eligible],
        },
    }
    return item, None


def _best_hour(hours: dict, tz_name: str):
    item, note = _best(
        "best_send_hour",
        hours,
        "click_rate",
        "hours",
        f"Send hours are compared once two of them have {MIN_SAMPLE} delivered messages each.",
        "Send at {}",
    )
    if item is None:
        return None, note
    best, second = item["data"]["leader"], item["data"]["runner_up"]
    item["reason"] = (
        f"Messages sent at {best['name']} ({tz_name}) were clicked most: "
        f"{_pct(Decimal(str(best['click_rate'])))} of {best['delivered']:,} delivered, against "
        f"{_pct(Decimal(str(second['click_rate'])))} at {second['name']}, the next best "
        f"({second['delivered']:,} delivered)."
    )
    item["data"]["time_zone"] = tz_name
    return item, None


def _under_type(campaigns: dict, cells: dict, type_names: dict):
    """Campaigns whose conversion rate is more than UNDER_MARGIN below that of the other
    campaigns of their type (pooled), both with MIN_SAMPLE delivered messages."""
    per_campaign = _grouped(cells, lambda campaign_id, _: campaign_id, {})
    per_type = _grouped(cells, lambda campaign_id, _: campaigns[campaign_id]["type"], type_names)
    items, covered, checked = [], [], 0
    for campaign_id, group in per_campaign.items():
        info = campaigns[campaign_id]
        rest = Group(info["type"], type_names.get(info["type"], ""))
        rest.add(per_type[info["type"]])
        rest.delivered -= group.delivered
        rest.conversions -= group.conversions
        covered.append(min(group.delivered, rest.delivered))
        if group.delivered < MIN_SAMPLE or rest.delivered < MIN_SAMPLE:
            continue
        checked += 1
        mine, theirs = group.conversion_rate, rest.conversion_rate
        if theirs <= 0 or mine >= theirs * (1 - UNDER_MARGIN):
            continue
        below = ((theirs - mine) * 100 / theirs).quantize(CENTS)
        items.append(
            {
                "kind": "under_type_average",
                "title": f"“{info['name']}” converts below other {rest.name} campaigns",
                "reason": (
                    f"“{info['name']}” converted {_pct(mine)} of its {group.delivered:,} "
                    f"delivered messages; the other {rest.name} campaigns converted "
                    f"{_pct(theirs)} of {rest.delivered:,}: {_pct(below)} below them."
                ),
                "sample_size": group.delivered + rest.delivered,
                "data": {
                    "campaign": campaign_id,
                    "campaign_name": info["name"],
                    "campaign_type": info["type_code"],
                    "delivered": group.delivered,
                    "conversions": group.conversions,
                    "conversion_rate": float(mine),
                    "type_delivered": rest.delivered,
                    "type_conversions": rest.conversions,
                    "type_conversion_rate": float(theirs),
                    "below_by": float(below),
                    "margin": float(UNDER_MARGIN * 100),
                },
                "_order": below,
            }
        )
    items.sort(key=lambda i: (i.pop("_order"), i["data"]["campaign"]), reverse=True)
    if items:
        return items[:MAX_UNDER], None
    if checked:
        margin = int(UNDER_MARGIN * 100)
        reason = f"No campaign converts more than {margin}% below the other campaigns of its type."
        return [], {"kind": "under_type_average", "title": KIND_TITLES["under_type_average"]} | {
            "reason": reason
        }
    rule = (
        f"A campaign is compared once it and the other campaigns of its type have "
        f"{MIN_SAMPLE} delivered messages each."
    )
    note = _not_enough("under_type_average", [max(covered, default=0)] * MIN_GROUPS, rule)
    note["sample_size"] = sum(g.delivered for g in per_campaign.values())
    return [], note


def _budget_move(channels: dict):
    rule = f"Budgets are compared once two channels with spend have {MIN_SAMPLE} each."
    eligible, samples = _eligible(channels, "roi")
    if len(eligible) < MIN_GROUPS:
        return None, _not_enough("budget_move", samples, rule)
    high, low = eligible[0], eligible[-1]
    gap = high.roi - low.roi
    if gap < BUDGET_GAP:
        reason = (
            f"The channels' returns are within {BUDGET_GAP:.0f} points of each other "
            f"({_pct(high.roi)} to {_pct(low.roi)}): no move suggested."
        )
        return None, {"kind": "budget_move", "title": KIND_TITLES["budget_move"], "reason": reason}
    amount = (low.cost * BUDGET_SHARE).quantize(CENTS)
    item = {
        "kind": "budget_move",
        "title": f"Move budget from {low.name} to {high.name}",
        "reason": (
            f"{low.name} returned {_pct(low.roi)} on {_money(low.cost)} spent and {high.name} "
            f"{_pct(high.roi)} on {_money(high.cost)}: each unit moved from {low.name} to "
            f"{high.name} has returned more. A tenth of {low.name}'s spend is {_money(amount)}."
        ),
        "sample_size": low.reach + high.reach,
        "data": {
            "from": _group_data(low, "roi"),
            "to": _group_data(high, "roi"),
            "roi_gap": float(gap),
            "suggested_amount": float(amount),
        },
    }
    return item, None


# ---------------------------------------------------------------------------------------------


def recommendation_report(*, tenant: Tenant) -> dict:
    """{"items": [{kind, title, reason, data, sample_size}], "notes": [{kind, title, reason}]}:
    what the history recommends, and for each kind that recommends nothing, why."""
    cells, hours = _history(tenant)
    campaign_ids = {campaign_id for campaign_id, _ in cells}
    campaigns = {
        row["pk"]: {
            "name": row["name"],
            "type": row["campaign_type_id"],
            "type_code": row["campaign_type__type_code"],
        }
        for row in Campaign.objects.for_tenant(tenant)
        .filter(pk__in=campaign_ids)
        .values("pk", "name", "campaign_type_id", "campaign_type__type_code")
    }
    type_names = dict(
        Campaign.objects.for_tenant(tenant)
        .filter(pk__in=campaign_ids)
        .values_list("campaign_type_id", "campaign_type__type_name")
        .distinct()
    )
    channel_names = dict(
        CampaignChannel.objects.for_tenant(tenant).values_list("pk", "channel_name")
    )
    channels = _grouped(cells, lambda _, channel_id: channel_id, channel_names)
    types = _grouped(cells, lambda campaign_id, _: campaigns[campaign_id]["type"], type_names)
    results = []
    for kind, groups, metric, plural, what, title in (
        ("best_channel_conversion", channels, "conversion_rate", "channels", "channel",
         "{} converts best"),
        ("best_channel_roi", channels, "roi", "channels", "channel",
         "{} returns the most on what it costs"),
        ("best_type_conversion", types, "conversion_rate", "types", "campaign type",
         "{} campaigns convert best"),
        ("best_type_roi", types, "roi", "types", "campaign type",
         "{} campaigns return the most on what they cost"),
    ):  # fmt: skip
        rule = (
            f"Each {what} needs {MIN_SAMPLE} delivered messages"
            + (" (or ad impressions) and some spend" if metric == "roi" else "")
            + f", and {MIN_GROUPS} of them are needed to compare."
        )
        results.append(_best(kind, groups, metric, plural, rule, title))
    results.append(_best_hour(hours, str(tenant.tzinfo)))
    items = [item for item, _ in results if item]
    notes = [note for _, note in results if note]
    under, note = _under_type(campaigns, cells, type_names)
    items += under
    notes += [note] if note else []
    item, note = _budget_move(channels)
    items += [item] if item else []
    notes += [note] if note else []
    for entry in (*items, *notes):
        entry.setdefault("sample_size", 0)
    return {"items": items, "notes": notes}


def recommendations(*, tenant: Tenant) -> list[dict]:
    """The items of `recommendation_report`: what `campaigns/recommendations/` answers."""
    return recommendation_report(tenant=tenant)["items"]
