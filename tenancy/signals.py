from django.dispatch import Signal

# Sent once a tenant exists, inside the creating transaction, with `tenant` and
# `industry_template` (whether the industry's customer fields are wanted). Each app connects a
# receiver that installs its part of the default configuration (lead sources in crm, milestone
# types and the campaign catalogue in theirs, the industry's fields in customfields); a receiver
# may return a line for the operator that created the tenant.
tenant_created = Signal()

# Sent inside the transaction that changed a tenant's time zone, with `tenant`: what is kept
# per tenant day (milestones' open steps start on a lead's creation day) follows it.
tenant_timezone_changed = Signal()
