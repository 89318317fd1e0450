from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self):
        from customfields.signals import active_fields_changed
        from tenancy.signals import tenant_created

        from . import home, lead_choices, search
        from .conditions import register_crm_activities
        from .services import segments, tag_rules
        from .services.merge import register_crm_mover
        from .services.sources import install_default_lead_configuration
        from .services.tags import on_tag_renamed
        from .tasks import refresh_after_fields_changed
        from .timeline.providers import register_crm_providers

        tenant_created.connect(
            install_default_lead_configuration, dispatch_uid="crm-default-lead-configuration"
        )
        register_crm_providers()
        register_crm_mover()  # what a customer merge moves (apps above add theirs)
        register_crm_activities()  # activity.note_added in conditions
        # Conditions name tags: renaming or merging a tag rewrites them.
        on_tag_renamed(segments.follow_tag_rename)
        on_tag_renamed(tag_rules.follow_tag_rename)
        # A field activated, deactivated or deleted changes every customer's completeness.
        active_fields_changed.connect(
            refresh_after_fields_changed, dispatch_uid="crm-refresh-scores-after-fields"
        )
        home.register()  # the home page's panels (tenancy.home)
        search.register()  # the global search's groups (tenancy.search)
        lead_choices.connect()  # the leads page's filter lists, kept in the shared cache
