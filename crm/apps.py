from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self):
        from tenancy.signals import tenant_created

        from . import home, search
        from .services.sources import install_default_lead_configuration

        tenant_created.connect(
            install_default_lead_configuration, dispatch_uid="crm-default-lead-configuration"
        )
        home.register()  # the home page's panels (tenancy.home)
        search.register()  # the global search's groups (tenancy.search)
