from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    name = "customfields"
    verbose_name = "Custom fields"

    def ready(self):
        from tenancy.signals import tenant_created

        from .signals import apply_industry_template_for_new_tenant

        tenant_created.connect(
            apply_industry_template_for_new_tenant, dispatch_uid="customfields-industry-template"
        )
