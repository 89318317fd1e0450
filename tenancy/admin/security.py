"""The sign-in locks (tenancy.login_throttle) for superusers: every lock put on an account or an
address, whether it still holds, and an action that lifts it. Not tenant data: tenant admins
never see this page. Read-only apart from the action; the rows are written by the throttle."""

from django.contrib import admin
from django.utils import timezone

from .. import login_throttle
from ..models import LoginLock


@admin.register(LoginLock)
class LoginLockAdmin(admin.ModelAdmin):
    list_display = ["kind", "value", "failures", "locked_at", "locked_until", "active"]
    list_filter = ["kind"]
    search_fields = ["value"]
    readonly_fields = ["kind", "value", "failures", "locked_at", "locked_until", "lifted_at"]
    actions = ["lift_selected"]

    @admin.display(boolean=True, description="active?")
    def active(self, obj):
        return obj.lifted_at is None and obj.locked_until > timezone.now()

    @admin.action(description="Lift selected locks")
    def lift_selected(self, request, queryset):
        now = timezone.now()
        lifted = 0
        for lock in queryset.filter(lifted_at__isnull=True, locked_until__gt=now):
            login_throttle.lift(lock.kind, lock.value)
            lock.lifted_at = now
            lock.save(update_fields=["lifted_at"])
            lifted += 1
        self.message_user(request, f"Lifted {lifted} lock{'s' if lifted != 1 else ''}.")

    # permissions: superusers only, and nobody adds, edits or deletes a lock by hand
    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
