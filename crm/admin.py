"""The Django admin for tenant admins (scoped to their tenant) and superusers (every tenant).

Writes go through the same services as the API and the pages; the forms run the models'
validation, so the admin shows the same errors."""

from django import forms
from django.contrib import admin

from customfields.forms import check_custom_values, custom_values_from, formfield_for
from customfields.selectors.query import custom_field_q
from customfields.services.values import active_definitions, read_value, read_values
from customfields.slots import ALL_SLOTS
from tenancy.admin.base import ServiceSaveMixin
from tenancy.admin.config import ConfigEntryAdmin
from tenancy.scoping import LogInlineMixin, TenantAdminMixin, TenantInlineMixin
from tenancy.services.config_entries import (
    config_entry_create,
    config_entry_delete,
    config_entry_update,
)

from .models import (
    Customer,
    CustomerNote,
    Lead,
    LeadActivity,
    LeadChannel,
    LeadSource,
    LeadSubSource,
    NoteEvent,
)
from .selectors.customers import customer_for
from .selectors.leads import lead_for
from .selectors.notes import note_for
from .services import customers as customer_services
from .services import leads as lead_services
from .services import notes as note_services
from .services import sources as source_services


class SubSourceInline(TenantInlineMixin, admin.TabularInline):
    model = LeadSubSource
    fk_name = "source"
    fields = [
        "sub_source_code",
        "sub_source_name",
        "description",
        "display_order",
        "is_active",
        "cost_per_lead",
        "total_cost",
    ]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)


@admin.register(LeadSource)
class LeadSourceAdmin(ConfigEntryAdmin):
    spec = source_services.SOURCES
    list_display = [
        "source_code",
        "source_name",
        "source_type",
        "is_active",
        "is_default",
        "score_bonus",
        "display_order",
    ]
    list_filter = ["source_type", "is_active", "is_default"]
    search_fields = ["source_code", "source_name"]
    inlines = [SubSourceInline]

    def save_formset(self, request, form, formset, change):
        """Sub-sources are config entries too: created, changed and (softly) deleted through
        the same service as the API's."""
        if formset.model is not LeadSubSource:
            return super().save_formset(request, form, formset, change)
        source = form.instance
        by = self.actor(request, source.tenant)
        # What the admin's change message reads.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            sub = inline_form.instance
            if inline_form in formset.deleted_forms:
                if sub.pk:
                    config_entry_delete(LeadSubSource.objects.get(pk=sub.pk), by=by)
                    formset.deleted_objects.append(sub)
                continue
            fields = [
                n for n in inline_form.changed_data if n in source_services.SUB_SOURCES.writable
            ]
            data = {name: inline_form.cleaned_data[name] for name in fields}
            if sub.pk:
                if data:
                    config_entry_update(LeadSubSource.objects.get(pk=sub.pk), data=data, by=by)
                    formset.changed_objects.append((sub, list(data)))
            elif data:
                created = config_entry_create(
                    source_services.SUB_SOURCES,
                    tenant=source.tenant,
                    data=data,
                    by=by,
                    source=source,
                )
                formset.new_objects.append(created)


@admin.register(LeadChannel)
class LeadChannelAdmin(ConfigEntryAdmin):
    spec = source_services.CHANNELS
    list_display = ["channel_code", "channel_name", "is_active", "display_order"]
    list_filter = ["is_active"]
    search_fields = ["channel_code", "channel_name"]


class ActivityInline(LogInlineMixin, admin.TabularInline):
    model = LeadActivity
    fields = ["created_at", "kind", "message", "actor"]


class SelectedObjectMixin:
    """A tenant admin's change, delete and history pages fetch the object through the entity's
    access selector (`object_for`), like the API and the pages; superusers see every tenant."""

    object_for = None

    def get_object(self, request, object_id, from_field=None):
        if self._is_global(request) or from_field is not None:
            return super().get_object(request, object_id, from_field)
        return self.object_for(
            tenant=request.tenant,
            membership=request.membership,
            pk=object_id,
            queryset=self.get_queryset(request),
        )


LEAD_FORM_FIELDS = ["tenant", *lead_services.EDITABLE_FIELDS, "tags"]


class LeadAdminForm(forms.ModelForm):
    tags = forms.CharField(required=False, help_text="Comma-separated.")

    class Meta:
        model = Lead
        fields = LEAD_FORM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tags"].initial = ", ".join(self.instance.tag_names())
        if "lead_score" in self.fields:
            self.fields["lead_score"].required = False
            self.fields["lead_score"].help_text = "Leave empty on a new lead to score it."

    def clean_tags(self):
        return [t for t in self.cleaned_data["tags"].split(",") if t.strip()]


@admin.register(Lead)
class LeadAdmin(SelectedObjectMixin, ServiceSaveMixin, admin.ModelAdmin):
    """Deleting a lead here archives it (it leaves the list; the API and pages restore it)."""

    object_for = staticmethod(lead_for)
    form = LeadAdminForm
    list_display = [
        "first_name",
        "last_name",
        "email",
        "company",
        "status",
        "source",
        "assigned_to",
        "lead_score",
        "created_at",
    ]
    list_filter = ["status", "source", "channel", "assigned_to"]
    search_fields = ["first_name", "last_name", "email", "phone", "company"]
    autocomplete_fields = ["source", "sub_source", "channel"]
    exclude = ["created_by"]
    inlines = [ActivityInline]
    list_select_related = ["source", "assigned_to"]
    service_fields = {*lead_services.EDITABLE_FIELDS, "tags"}

    def get_queryset(self, request):
        return super().get_queryset(request).filter(archived_at__isnull=True)

    def service_create(self, request, tenant, data):
        tags = data.pop("tags", [])
        return lead_services.lead_create(
            tenant=tenant, by=self.actor(request, tenant), data=data, tags=tags
        )

    def service_update(self, request, lead, data):
        tags = data.pop("tags", None)
        return lead_services.lead_update(
            lead=lead, by=self.actor(request, lead.tenant), data=data, tags=tags
        )

    def service_delete(self, obj, *, by):
        lead_services.lead_archive(lead=obj, by=by)


@admin.register(LeadSubSource)
class LeadSubSourceAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Registered for the lead form's autocomplete; edited inline under its source."""

    search_fields = ["sub_source_code", "sub_source_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def get_model_perms(self, request):
        return {}  # hidden from the index; sub-sources are edited under their source


admin.site.site_header = "Atrium administration"
admin.site.site_title = "Atrium"
admin.site.index_title = "Tenant configuration"


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
class CustomerAdmin(SelectedObjectMixin, ServiceSaveMixin, admin.ModelAdmin):
    """The form is built per tenant from its field definitions (labels, help, placeholders,
    required); select and yes/no fields become list columns and sidebar filters."""

    object_for = staticmethod(customer_for)

    form = CustomerAdminForm
    list_display = ["first_name", "last_name", "email", "company", "crm_score", "created_at"]
    search_fields = ["first_name", "last_name", "email", "phone", "company"]
    exclude = ["created_by", "custom_fields_extra", *ALL_SLOTS]
    # Kept by Atrium (the score and the interaction counters): shown, never edited.
    readonly_fields = customer_services.CUSTOMER_COMPUTED_FIELDS
    max_custom_columns = 4

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


class NoteEventInline(LogInlineMixin, admin.TabularInline):
    model = NoteEvent
    fields = ["created_at", "action", "actor", "changes"]


@admin.register(CustomerNote)
class CustomerNoteAdmin(SelectedObjectMixin, ServiceSaveMixin, admin.ModelAdmin):
    """Notes and tasks, written through the note services (the author is the admin)."""

    object_for = staticmethod(note_for)
    list_display = ["__str__", "customer", "lead", "due_date", "assigned_to", "is_completed"]
    list_filter = ["is_task", "is_completed", "assigned_to"]
    search_fields = ["note"]
    autocomplete_fields = ["customer", "lead"]
    list_select_related = ["customer", "lead", "assigned_to"]
    inlines = [NoteEventInline]
    service_fields = set(note_services.NOTE_FIELDS)

    def service_create(self, request, tenant, data):
        return note_services.note_create(tenant=tenant, by=self.actor(request, tenant), data=data)

    def service_update(self, request, note, data):
        return note_services.note_update(note=note, by=self.actor(request, note.tenant), data=data)

    def service_delete(self, obj, *, by):
        note_services.note_delete(note=obj, by=by)
