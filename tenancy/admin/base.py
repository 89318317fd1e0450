"""The admin's bases: scoping (tenancy.scoping.TenantAdminMixin) and saving through services."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ..actors import actor_for_request
from ..forms import add_service_errors
from ..models import Membership
from ..scoping import TenantAdminMixin


class ServiceSaveMixin(TenantAdminMixin):
    """Saves through a create/update service with the fields the form changed. The same save
    runs once during form validation in a savepoint that is rolled back, so a rule only the
    service knows (one default source, a free slot, …) shows as a form error instead of
    failing after the form said yes."""

    def form_tenant(self, request, form, obj):
        if not self._is_global(request):
            return request.tenant
        return form.cleaned_data.get("tenant") or obj.tenant

    def service_save(self, request, form, obj, change):
        tenant = self.form_tenant(request, form, obj)
        names = form.changed_data if change else list(form.cleaned_data)
        data = {name: form.cleaned_data[name] for name in names if name in self.service_fields}
        if change:
            return self.service_update(request, type(obj).objects.get(pk=obj.pk), data)
        return self.service_create(request, tenant, data)

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        model_admin = self

        class ServiceCheckedForm(form_class):
            def full_clean(self):
                super().full_clean()
                # After the form's own and the model's checks, so an error is not shown twice.
                if self.is_bound and not self._errors:
                    model_admin.check_with_service(request, self, obj)

        return ServiceCheckedForm

    def check_with_service(self, request, form, obj):
        try:
            with transaction.atomic():
                self.service_save(request, form, obj or form.instance, change=obj is not None)
                transaction.set_rollback(True)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))

    def save_model(self, request, obj, form, change):
        saved = self.service_save(request, form, obj, change)
        for field in saved._meta.concrete_fields:  # the admin logs and redirects with obj
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # The service has saved the object's relations (tags); only the inlines are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def actor(self, request, tenant) -> Membership:
        """Who acts, for the services' `by`: the admin's membership in the object's tenant (a
        superuser acts as that tenant's admin)."""
        return actor_for_request(request, tenant)

    def delete_model(self, request, obj):
        """Through `service_delete(obj, by=…)`; a refusal is a message, not an error page."""
        try:
            self.service_delete(obj, by=self.actor(request, obj.tenant))
        except (ValidationError, PermissionDenied) as exc:
            self.message_user(request, f"{obj}: {' '.join(refusal_messages(exc))}", "error")

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


def refusal_messages(exc: Exception) -> list[str]:
    return exc.messages if isinstance(exc, ValidationError) else [str(exc)]
