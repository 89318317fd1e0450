from django.apps import AppConfig


class MilestonesConfig(AppConfig):
    name = "milestones"

    def ready(self):
        from tenancy.signals import tenant_created

        from .signals import install_defaults_for_new_tenant
        from .timeline import register_timeline

        tenant_created.connect(
            install_defaults_for_new_tenant, dispatch_uid="milestones-default-configuration"
        )
        register_timeline()
