from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self):
        from tenancy.signals import tenant_created

        from .services.sources import install_default_lead_configuration
        from .timeline.providers import register_crm_providers

        tenant_created.connect(
            install_default_lead_configuration, dispatch_uid="crm-default-lead-configuration"
        )
        register_crm_providers()
