from django.apps import AppConfig


class MilestonesConfig(AppConfig):
    name = "milestones"

    def ready(self):
        from crm.signals import leads_changed
        from tenancy.signals import tenant_created, tenant_timezone_changed

        from .signals import (
            install_defaults_for_new_tenant,
            rebuild_after_timezone_change,
            refresh_changed_leads,
        )
        from .timeline import register_timeline

        tenant_created.connect(
            install_defaults_for_new_tenant, dispatch_uid="milestones-default-configuration"
        )
        register_timeline()
        # The open steps (LeadOpenStep) follow the writes of other apps.
        leads_changed.connect(refresh_changed_leads, dispatch_uid="milestones-open-steps")
        tenant_timezone_changed.connect(
            rebuild_after_timezone_change, dispatch_uid="milestones-open-steps-timezone"
        )
