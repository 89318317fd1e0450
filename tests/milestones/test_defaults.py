"""The default milestone configuration: new tenants get it from the tenant_created signal."""

from milestones.defaults import DEFAULT_TEMPLATE_NAME, DEFAULT_TYPES
from milestones.models import MilestoneTemplate, MilestoneType
from tests.factories import make_tenant


def configuration(tenant):
    template = MilestoneTemplate.objects.get(tenant=tenant, is_default=True)
    return (
        list(MilestoneType.objects.filter(tenant=tenant).values_list("type_code", flat=True)),
        template.template_name,
        template.type_codes(),
    )


def test_a_new_tenant_gets_the_defaults(db):
    codes = [t["type_code"] for t in DEFAULT_TYPES]
    assert configuration(make_tenant("fresh")) == (codes, DEFAULT_TEMPLATE_NAME, codes)
