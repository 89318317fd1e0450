from django.apps import AppConfig


class TenancyConfig(AppConfig):
    """The foundation every app stands on: tenants, members and roles, the request's tenant,
    scoping, sign-in limits and the shared page, form and API machinery."""

    name = "tenancy"
    verbose_name = "Tenants and members"
