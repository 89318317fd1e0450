"""Receivers of crm's signals."""

from tenancy.models import Tenant

from .defaults import install_default_configuration
from .models import MilestoneTemplate, MilestoneTemplateStep, MilestoneType


def install_defaults_for_new_tenant(sender, *, tenant: Tenant, **kwargs) -> None:
    install_default_configuration(
        tenant_id=tenant.pk,
        type_model=MilestoneType,
        template_model=MilestoneTemplate,
        step_model=MilestoneTemplateStep,
    )
