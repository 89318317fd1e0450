from django.contrib import admin

from ..models import Tenant
from ..services.tenants import tenant_install_defaults


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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:  # the industry chosen on the form brings its customer fields
            tenant_install_defaults(tenant=obj, industry_template=True)
