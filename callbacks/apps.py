from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    """Callback requests: priority, SLA in business time, the queue, claiming and assignment."""

    name = "callbacks"

    def ready(self):
        from .timeline import register_timeline

        register_timeline()
