"""The bench's 50 segments and 20 smart-tag rules: the mix a tenant builds over time (tags,
scores, purchases, custom fields, recency), each a condition in the condition language."""

TAG_NAMES = ["newsletter", "webinar", "trade-show", "partner", "vip", "churn-risk", "b2b", "b2c"]


def segment_conditions() -> list[tuple[str, dict]]:
    """(name, condition) × 50; the first is the big one the count/page/rebuild scenarios use."""
    out: list[tuple[str, dict]] = [
        # ~150K of 200K: contacted at some time and not only a cold b2c contact
        (
            "Engaged",
            {
                "any": [
                    {"field": "total_interactions", "op": "gte", "value": 3},
                    {"field": "tags", "op": "has_any", "value": ["newsletter", "webinar"]},
                ]
            },
        ),
        ("VIP", {"field": "tags", "op": "has", "value": "vip"}),
        ("Gold tier", {"field": "custom.tier", "op": "eq", "value": "Gold"}),
        ("Big spenders", {"field": "total_spent", "op": "gte", "value": 1000}),
    ]
    for i in range(46):
        kind = i % 6
        if kind == 0:
            cond = {"field": "crm_score", "op": "gte", "value": 40 + i}
        elif kind == 1:
            cond = {"field": "tags", "op": "has_all", "value": TAG_NAMES[i % 8 : i % 8 + 2]}
        elif kind == 2:
            cond = {"field": "custom.points", "op": "gte", "value": 100 * i}
        elif kind == 3:
            cond = {
                "all": [
                    {"field": "company", "op": "eq", "value": ["Acme", "Globex", "Hooli"][i % 3]},
                    {"field": "total_purchases", "op": "gte", "value": i % 4},
                ]
            }
        elif kind == 4:
            cond = {"not": {"field": "tags", "op": "has_any", "value": [TAG_NAMES[i % 8]]}}
        else:
            cond = {"field": "total_interactions", "op": "lt", "value": i % 10 + 1}
        out.append((f"Segment {i + 5}", cond))
    return out


def rule_conditions() -> list[tuple[str, dict]]:
    """(tag set by the rule, condition) × 20; no rule reads a tag another sets."""
    out = []
    for i in range(20):
        kind = i % 4
        if kind == 0:
            cond = {"field": "total_spent", "op": "gte", "value": 200 * (i + 1)}
        elif kind == 1:
            cond = {"field": "crm_score", "op": "lte", "value": 5 + i}
        elif kind == 2:
            cond = {
                "field": "custom.tier",
                "op": "eq",
                "value": ["Gold", "Silver", "Bronze"][i % 3],
            }
        else:
            cond = {"field": "tags", "op": "has", "value": TAG_NAMES[i % 8]}
        out.append((f"auto-{i + 1}", cond))
    return out
