from django.dispatch import Signal

# Sent once a tenant exists, inside the creating transaction, with `tenant`. Each app connects a
# receiver that installs its part of the default configuration (lead sources here; milestone types
# and the campaign catalogue in their apps).
tenant_created = Signal()

# Sent after the commit that first made a lead WON, with `lead` (campaigns records the conversion
# of the campaign the lead is attributed to).
lead_won = Signal()
