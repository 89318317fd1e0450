from django.contrib import admin

from ..models import Tenant
from ..services.tenants import TENANT_EDITABLE_FIELDS, tenant_create, tenant_update


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    """Tenants themselves are managed by superusers."""

    list_display = ["name", "slug", "industry", "timezone", "currency", "is_active", "created_at"]
    list_filter = ["industry", "is_active"]
    search_fields = ["name", "slug"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = (
        lambda self, request, obj=None: self.has_module_permission(request)
    )

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: a tenant's history stays

    def get_readonly_fields(self, request, obj=None):
        return ["slug"] if obj else []  # a tenant's address does not change

    def save_model(self, request, obj, form, change):
        """Through the tenant services: a new tenant gets every app's defaults and its
        industry's customer fields, as from the create_tenant command."""
        if change:
            data = {
                n: form.cleaned_data[n] for n in form.changed_data if n in TENANT_EDITABLE_FIELDS
            }
            tenant_update(tenant=Tenant.objects.get(pk=obj.pk), data=data)
            return
        saved = tenant_create(
            slug=form.cleaned_data["slug"],
            name=form.cleaned_data["name"],
            **{
                name: form.cleaned_data[name]
                for name in ("industry", "timezone", "currency")
                if name in form.cleaned_data
            },
        )
        obj.pk = saved.pk
        obj._state.adding = False
