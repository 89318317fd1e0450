from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    name = "customfields"
    verbose_name = "Custom fields"
