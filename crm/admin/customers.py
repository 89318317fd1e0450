"""Customers in the admin: core fields, tags and the tenant's custom fields."""

from django import forms
from django.contrib import admin

from customfields.forms import check_custom_values, custom_values_from, formfield_for
from customfields.selectors.query import custom_field_q
from customfields.services.values import active_definitions, read_value, read_values
from customfields.slots import ALL_SLOTS
from tenancy.admin.base import ServiceSaveMixin

from ..models import (
    Customer,
)
from ..selectors.customers import customer_for
from ..services import customers as customer_services
from .base import SelectedObjectMixin
from .exports import CustomerExportAdminMixin
from .imports import ImportButtonMixin
from .merge import merge_selected


class CustomerAdminForm(forms.ModelForm):
    """Core fields plus, declared per tenant by CustomerAdmin.get_form, one `cf_<key>` field per
    active custom field; the value service judges the custom values."""

    tags = forms.CharField(required=False, help_text="Comma-separated.")
    definitions: dict = {}

    class Meta:
        model = Customer
        fields = ["tenant", *customer_services.CUSTOMER_FIELDS, "tags"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tags"].initial = ", ".join(self.instance.tag_names())
            for key, value in read_values(self.instance, self.definitions.values()).items():
                field = formfield_for(self.definitions[key], initial=value)
                self.initial[f"cf_{key}"] = field.initial

    def clean_tags(self):
        return [t for t in self.cleaned_data["tags"].split(",") if t.strip()]

    def clean(self):
        cleaned = super().clean()
        check_custom_values(self, self.definitions, creating=self.instance.pk is None)
        return cleaned


def _custom_column(definition):
    def column(customer):
        return read_value(customer, definition)

    column.short_description = definition.field_label
    column.__name__ = f"cf_{definition.field_key}"
    return column


def _custom_list_filter(definition):
    """A sidebar filter for a select or yes/no custom field, through the one key translation."""

    class CustomFieldListFilter(admin.SimpleListFilter):
        title = definition.field_label
        parameter_name = f"cf_{definition.field_key}"

        def lookups(self, request, model_admin):
            if definition.field_type == "boolean":
                return [("true", "Yes"), ("false", "No")]
            return [(option, option) for option in definition.select_options]

        def queryset(self, request, queryset):
            if self.value() is None:
                return queryset
            return queryset.filter(custom_field_q(definition, "", self.value()))

    return CustomFieldListFilter


@admin.register(Customer)
class CustomerAdmin(
    ImportButtonMixin,
    CustomerExportAdminMixin,
    SelectedObjectMixin,
    ServiceSaveMixin,
    admin.ModelAdmin,
):
    """The form is built per tenant from its field definitions (labels, help, placeholders,
    required); select and yes/no fields become list columns and sidebar filters."""

    object_for = staticmethod(customer_for)
    import_kind = "customers"

    form = CustomerAdminForm
    list_display = ["first_name", "last_name", "email", "company", "crm_score", "created_at"]
    search_fields = ["first_name", "last_name", "email", "phone", "company"]
    exclude = ["created_by", "custom_fields_extra", *ALL_SLOTS]
    # Kept by Atrium (the score and the interaction counters): shown, never edited.
    readonly_fields = customer_services.CUSTOMER_COMPUTED_FIELDS
    max_custom_columns = 4
    actions = [*CustomerExportAdminMixin.actions, merge_selected]  # crm.admin.exports, .merge

    def _listed(self, request):
        """The tenant's select and yes/no fields: short values that make good columns."""
        if self._is_global(request):
            return []
        definitions = active_definitions(request.tenant).values()
        return [d for d in definitions if d.field_type in ("select", "boolean")]

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        extra = [_custom_column(d) for d in self._listed(request)[: self.max_custom_columns]]
        return [*columns[:-1], *extra, columns[-1]]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), *map(_custom_list_filter, self._listed(request))]

    def get_form(self, request, obj=None, change=False, **kwargs):
        tenant = obj.tenant if obj else (None if self._is_global(request) else request.tenant)
        definitions = active_definitions(tenant) if tenant else {}
        attrs = {f"cf_{d.field_key}": formfield_for(d) for d in definitions.values()}
        kwargs["form"] = type(
            "CustomerAdminForm", (CustomerAdminForm,), {**attrs, "definitions": definitions}
        )
        return super().get_form(request, obj, change=change, **kwargs)

    def service_save(self, request, form, obj, change):
        tenant = self.form_tenant(request, form, obj)
        by = self.actor(request, tenant)
        names = form.changed_data if change else list(form.cleaned_data)
        data = {n: form.cleaned_data[n] for n in names if n in customer_services.CUSTOMER_FIELDS}
        custom = custom_values_from(form, form.definitions)
        tags = form.cleaned_data["tags"] if not change or "tags" in form.changed_data else None
        if change:
            return customer_services.customer_update(
                customer=Customer.objects.get(pk=obj.pk),
                by=by,
                data=data,
                tags=tags,
                custom_fields=custom,
                reason="edited in the admin",
            )
        return customer_services.customer_create(
            tenant=tenant, by=by, data=data, tags=tags or (), custom_fields=custom
        )

    def service_delete(self, obj, *, by):
        customer_services.customer_delete(customer=obj, by=by)
