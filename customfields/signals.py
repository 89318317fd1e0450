from tenancy.actors import OPERATOR

from .services.definitions import industry_template_apply


def apply_industry_template_for_new_tenant(*, tenant, industry_template=True, **kwargs):
    """A new tenant starts with its industry's customer fields, added by the system (the
    operator: no member exists yet); returns the line the create_tenant command prints."""
    if not industry_template:
        return None
    fields = industry_template_apply(tenant=tenant, by=OPERATOR, industry=tenant.industry)
    if not fields["created"]:
        return None
    return f"Customer fields from the {tenant.industry} template: {', '.join(fields['created'])}."
