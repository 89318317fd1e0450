from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    """Callback requests: priority, SLA in business time, the queue, claiming and assignment."""

    name = "callbacks"

    def ready(self):
        from . import home, search
        from .merge import register_merge
        from .timeline import register_timeline

        register_timeline()
        register_merge()  # callbacks move with a merged customer (crm.services.merge)
        home.register()  # the home page's panels (tenancy.home)
        search.register()  # the global search's groups (tenancy.search)
