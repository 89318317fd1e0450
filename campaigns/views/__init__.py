"""The campaign pages, one module per page group: `campaigns` (the list, the campaign page with
its funnel and daily chart, the status actions), `builder` (creating a campaign and its tabs:
basic info, content with tag picker and preview, audience with a live count, schedule),
`templates` (the template library and creating from a template); `base` holds what they share.

Thin views: reads go through the selectors, writes through the services, whose errors come back
to the forms or as messages. Campaigns are listed through `campaigns_visible_to` and fetched
through `campaign_for` (templates through `campaign_template_for`), so another tenant's campaign
is a 404 like a missing one. Every member reads; only managers and admins build, preview, count
audiences and launch (others get a 403 here, and the services refuse them on their own)."""
