from django.dispatch import Signal

# Sent once a tenant exists, inside the creating transaction, with `tenant`. Each app connects a
# receiver that installs its part of the default configuration (lead sources here; milestone types
# and the campaign catalogue in their apps).
tenant_created = Signal()
