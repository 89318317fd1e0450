from django.dispatch import Signal

# Sent after the commit that first made a lead WON, with `lead` (campaigns records the conversion
# of the campaign the lead is attributed to).
lead_won = Signal()
