from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    """Callback requests: priority, SLA in business time, the queue, claiming and assignment."""

    name = "callbacks"
