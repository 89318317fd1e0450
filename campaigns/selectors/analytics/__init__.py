"""Campaign analytics, computed from executions, responses, ad metrics and attributed leads at
read time (grouped queries in the database; nothing is stored). Definitions: docs/metrics.md
("## Campaigns"). One module per report: `campaign` (one campaign, the list's figures, spend),
`performance` (a campaign type's and a channel's performance), `trends` (per day), `abtest`
(the A/B verdict); `counts` holds the grouped counts and the figures derived from them."""

from .abtest import ab_test, z_test
from .campaign import campaign_analytics, campaign_spend, campaign_summaries
from .performance import channel_performance, type_performance
from .trends import campaign_trends

__all__ = [
    "ab_test",
    "campaign_analytics",
    "campaign_spend",
    "campaign_summaries",
    "campaign_trends",
    "channel_performance",
    "type_performance",
    "z_test",
]
