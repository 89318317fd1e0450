from django.dispatch import Signal

from tenancy.actors import OPERATOR

# Sent after the commit that changed which of a tenant's fields are active (one created,
# deactivated, reactivated or deleted, or a template applied), with `tenant`: the host's app
# recomputes what depends on them (crm: the completeness part of the CRM score).
active_fields_changed = Signal()


def apply_industry_template_for_new_tenant(*, tenant, industry_template=True, **kwargs):
    """A new tenant starts with its industry's customer fields, added by the system (the
    operator: no member exists yet); returns the line the create_tenant command prints."""
    from .services.definitions import industry_template_apply

    if not industry_template:
        return None
    fields = industry_template_apply(tenant=tenant, by=OPERATOR, industry=tenant.industry)
    if not fields["created"]:
        return None
    return f"Customer fields from the {tenant.industry} template: {', '.join(fields['created'])}."
