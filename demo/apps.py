from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo tenant: `seed_demo` creates it and its logins, then calls each app's own demo
    module, lowest app first, so each app's data can stand on the data below it."""

    name = "demo"
    verbose_name = "Demo data"
