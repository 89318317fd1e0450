"""Field definitions for tenant admins: list with order, an options editor, and applying an
industry template; the tenant's two-field indexes, read-only (an operator makes them with
`manage.py index_field_pair`). Writes go through the definition services, acting as the
admin's membership in the field's tenant (a superuser acts as that tenant's admin)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from tenancy.admin.base import ServiceSaveMixin
from tenancy.models import INDUSTRY_CHOICES, Tenant
from tenancy.scoping import TenantAdminMixin

from .forms import OptionsField
from .models import FieldDefinition, FieldPairIndex, IndustryFieldTemplate
from .services import definitions as definition_services


class FieldDefinitionForm(forms.ModelForm):
    select_options = OptionsField(required=False, help_text="Select fields only.")

    class Meta:
        model = FieldDefinition
        fields = ["tenant", *definition_services.DEFINITION_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # the type and key are fixed once values are stored
            for name in ("field_type", "field_key"):
                self.fields[name].disabled = True


class ApplyTemplateForm(forms.Form):
    tenant = forms.ModelChoiceField(Tenant.objects.filter(is_active=True))
    industry = forms.ChoiceField(choices=INDUSTRY_CHOICES)


@admin.register(FieldDefinition)
class FieldDefinitionAdmin(ServiceSaveMixin, admin.ModelAdmin):
    form = FieldDefinitionForm
    list_display = [
        "order",
        "field_label",
        "field_key",
        "field_type",
        "is_required",
        "is_active",
        "mapped_field_name",
    ]
    list_display_links = ["field_label"]
    list_editable = ["order"]
    list_filter = ["field_type", "is_active", "is_required"]
    search_fields = ["field_key", "field_label"]
    readonly_fields = ["mapped_field_name"]
    ordering = ["order", "id"]
    service_fields = set(definition_services.DEFINITION_FIELDS)
    actions = ["deactivate_selected", "activate_selected"]

    def service_create(self, request, tenant, data):
        return definition_services.definition_create(
            tenant=tenant, by=self.actor(request, tenant), data=data
        )

    def service_update(self, request, definition, data):
        return definition_services.definition_update(
            definition=definition, by=self.actor(request, definition.tenant), data=data
        )

    def service_delete(self, obj, *, by):
        definition_services.definition_delete(definition=obj, by=by)

    def save_related(self, request, form, formsets, change):
        pass  # no relations besides what the service saved

    def _set_active(self, request, queryset, active: bool) -> None:
        for definition in queryset:
            try:
                definition_services.definition_set_active(
                    definition=definition,
                    by=self.actor(request, definition.tenant),
                    active=active,
                )
            except PermissionDenied as exc:
                self.message_user(request, f"{definition}: {exc}", messages.ERROR)

    @admin.action(description="Deactivate selected fields (values are kept)")
    def deactivate_selected(self, request, queryset):
        self._set_active(request, queryset, active=False)

    @admin.action(description="Reactivate selected fields")
    def activate_selected(self, request, queryset):
        self._set_active(request, queryset, active=True)

    def get_urls(self):
        return [
            path(
                "apply-template/",
                self.admin_site.admin_view(self.apply_template_view),
                name="customfields_fielddefinition_apply_template",
            ),
            *super().get_urls(),
        ]

    def apply_template_view(self, request):
        """Add an industry's template fields; fields whose key exists are skipped."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ApplyTemplateForm(request.POST or None)
        if not self._is_global(request):
            form.fields["tenant"].required = False
            form.fields["tenant"].widget = forms.HiddenInput()
        if request.method == "POST" and form.is_valid():
            tenant = form.cleaned_data["tenant"] if self._is_global(request) else request.tenant
            try:
                report = definition_services.industry_template_apply(
                    tenant=tenant,
                    by=self.actor(request, tenant),
                    industry=form.cleaned_data["industry"],
                )
            except ValidationError as exc:
                form.add_error("industry", exc.messages)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                created, skipped = report["created"], report["skipped"]
                messages.success(
                    request,
                    f"Created {len(created)} field(s)"
                    + (f": {', '.join(created)}" if created else "")
                    + f"; skipped {len(skipped)} that already existed"
                    + (f" ({', '.join(skipped)})." if skipped else "."),
                )
                return redirect(reverse("admin:customfields_fielddefinition_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Apply an industry template",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/customfields/apply_template.html", context)


@admin.register(FieldPairIndex)
class FieldPairIndexAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Which pairs of the tenant's fields have an index of their own: read-only, since building
    one is an operator's job (`manage.py index_field_pair`, docs/operations.md)."""

    list_display = ["first", "second", "first_slot", "second_slot", "index_name", "created_at"]
    list_select_related = ["first", "second"]
    search_fields = ["first__field_key", "second__field_key", "index_name"]
    fields = list_display

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IndustryFieldTemplate)
class IndustryFieldTemplateAdmin(admin.ModelAdmin):
    """The templates are shared by all tenants: superusers maintain them."""

    list_display = ["industry", "order", "field_label", "field_key", "field_type", "is_required"]
    list_filter = ["industry", "field_type"]
    search_fields = ["field_key", "field_label"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission
