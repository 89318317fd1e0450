from django.dispatch import Signal

# Sent after the commit that first made a lead WON, with `lead` (campaigns records the conversion
# of the campaign the lead is attributed to).
lead_won = Signal()

# Sent inside the transaction of a write that may move leads' open milestone steps (a lead
# created, its status changed, archived, restored, imported, an import undone), with `tenant` and
# `lead_ids`: milestones keeps its projection of them in the same transaction.
leads_changed = Signal()


def announce_leads_changed(*, tenant, lead_ids) -> None:
    ids = list(lead_ids)
    if ids:
        leads_changed.send(sender=None, tenant=tenant, lead_ids=ids)
