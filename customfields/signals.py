from .services.definitions import industry_template_apply


def apply_industry_template_for_new_tenant(*, tenant, industry_template=False, **kwargs):
    """A new tenant asked for its industry's customer fields gets them (the create_tenant command
    with --industry, the admin's tenant form); returns the line the command prints."""
    if not industry_template:
        return None
    fields = industry_template_apply(tenant=tenant, industry=tenant.industry)
    return f"Customer fields from the {tenant.industry} template: {', '.join(fields['created'])}."
