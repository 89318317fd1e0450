from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self):
        from crm.services.tags import on_tag_renamed
        from crm.signals import lead_won
        from tenancy.events import register_consumer
        from tenancy.signals import tenant_created

        from . import home, search
        from .automation.consumer import CONSUMER_NAME, handle_events
        from .conditions import register_activities
        from .merge import register_merge
        from .services.tag_names import follow_tag_rename
        from .signals import convert_attributed_lead, install_catalogue_for_new_tenant
        from .timeline import register_timeline

        tenant_created.connect(
            install_catalogue_for_new_tenant, dispatch_uid="campaigns-default-catalogue"
        )
        lead_won.connect(convert_attributed_lead, dispatch_uid="campaigns-lead-won")
        register_timeline()
        register_merge()  # executions, responses, opt-outs follow a merge
        register_activities()  # activity.campaign_opened / _clicked in crm's conditions
        on_tag_renamed(follow_tag_rename)  # audiences name tags
        home.register()  # the home page's panel (tenancy.home)
        search.register()  # the global search's group (tenancy.search)
        # Triggers react to any event type (tenants name their own): every type is handed over.
        register_consumer(CONSUMER_NAME, handle_events)
