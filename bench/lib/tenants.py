"""The bench tenants: made once through the tenancy service, with the custom fields a scenario
needs (what each scenario's data script used to write out for itself)."""


def ensure_bench_tenant(
    *,
    slug: str,
    name: str,
    timezone: str = "UTC",
    fields=(),
    industry_template: bool = True,
):
    """The tenant `slug` (created when missing), with each of `fields` it lacks defined in that
    order: (key, label, type) or (key, label, type, extra definition data)."""
    from django.db import transaction

    from customfields.models import FieldDefinition
    from customfields.services.definitions import definition_create
    from tenancy.actors import OPERATOR
    from tenancy.models import Tenant
    from tenancy.services.tenants import tenant_create

    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        with transaction.atomic():
            tenant = tenant_create(
                slug=slug, name=name, timezone=timezone, industry_template=industry_template
            )
    existing = set(FieldDefinition.objects.for_tenant(tenant).values_list("field_key", flat=True))
    for order, (key, label, field_type, *extra) in enumerate(fields):
        if key not in existing:
            data = {"field_key": key, "field_label": label, "field_type": field_type}
            definition_create(
                tenant=tenant,
                by=OPERATOR,
                data={**data, "order": order, **(extra[0] if extra else {})},
            )
    return tenant
