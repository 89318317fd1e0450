"""Tags in the admin: the list with colours and counts, create and edit (a rename renames it on
every customer and lead), delete (removed from all, through the service) and "Merge selected
into…" with a page that says what will happen before it does."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.template.response import TemplateResponse
from django.utils.html import format_html

from tenancy.admin.base import ServiceSaveMixin, refusal_messages

from ..models import Tag
from ..selectors.tags import tag_for, with_counts
from ..services import tags as tag_services
from .base import SelectedObjectMixin


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Tag.objects.none(), label="Merge into", help_text="The tag to keep."
    )


@admin.register(Tag)
class TagAdmin(SelectedObjectMixin, ServiceSaveMixin, admin.ModelAdmin):
    """Written through crm.services.tags, as the API and the tags page write."""

    object_for = staticmethod(tag_for)
    list_display = ["name", "swatch", "description", "customer_count", "lead_count", "created_at"]
    search_fields = ["name"]
    actions = ["merge_selected"]
    service_fields = set(tag_services.TAG_FIELDS)

    def get_fields(self, request, obj=None):
        head = ["tenant"] if self._is_global(request) else []
        return [*head, *tag_services.TAG_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        # A tag stays in its tenant: its customers and leads are there.
        return ["tenant"] if obj is not None and self._is_global(request) else []

    def get_queryset(self, request):
        tenant = None if self._is_global(request) else request.tenant
        return with_counts(super().get_queryset(request), tenant=tenant)

    @admin.display(description="Colour")
    def swatch(self, tag):
        return format_html(
            '<span style="display:inline-block;width:1em;height:1em;border-radius:3px;'
            'background:{};vertical-align:middle"></span> {}',
            tag.color,
            tag.color,
        )

    @admin.display(description="Customers", ordering="customer_count")
    def customer_count(self, tag):
        return tag.customer_count

    @admin.display(description="Leads", ordering="lead_count")
    def lead_count(self, tag):
        return tag.lead_count

    def service_create(self, request, tenant, data):
        return tag_services.tag_create(tenant=tenant, by=self.actor(request, tenant), data=data)

    def service_update(self, request, tag, data):
        return tag_services.tag_update(tag=tag, by=self.actor(request, tag.tenant), data=data)

    def service_delete(self, obj, *, by):
        tag_services.tag_delete(tag=obj, by=by)

    def get_deleted_objects(self, objs, request):
        """What a delete does, counted: the default would list every customer's link."""
        counted = self.get_queryset(request).filter(pk__in=[obj.pk for obj in objs])
        summary = [
            f"Tag “{tag.name}”: removed from {tag.customer_count} customer(s) and "
            f"{tag.lead_count} lead(s)"
            for tag in counted
        ]
        return summary, {"tags": len(summary)}, set(), []

    @admin.action(description="Merge selected tags into…")
    def merge_selected(self, request, queryset):
        """First a page that names the tags, says how many customers and leads they reach and
        asks which tag to keep; its confirmation merges each selected tag into that one."""
        tags = list(queryset.order_by("name"))
        tenants = {tag.tenant_id for tag in tags}
        if len(tenants) != 1:
            self.message_user(request, "Select tags of one tenant to merge.", messages.ERROR)
            return None
        keep = Tag.objects.filter(tenant_id=tenants.pop()).exclude(pk__in=[t.pk for t in tags])
        form = MergeForm(request.POST if "apply" in request.POST else None)
        form.fields["into"].queryset = keep.order_by("name")
        if form.is_valid():
            return self._merge(request, tags, form.cleaned_data["into"])
        totals = queryset.aggregate(customers=Sum("customer_count"), leads=Sum("lead_count"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Merge {len(tags)} tag(s) into another",
            "opts": self.model._meta,
            "tags": tags,
            "form": form,
            "customers": totals["customers"] or 0,
            "leads": totals["leads"] or 0,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/crm/tag/merge.html", context)

    def _merge(self, request, tags, into):
        merged = []
        for tag in tags:
            try:
                tag_services.tag_merge(source=tag, into=into, by=self.actor(request, tag.tenant))
            except (ValidationError, PermissionDenied) as exc:
                message = " ".join(refusal_messages(exc))
                self.message_user(request, f"{tag.name}: {message}", messages.ERROR)
            else:
                merged.append(tag.name)
        if merged:
            self.message_user(request, f"Merged {', '.join(merged)} into {into.name}.")
        return None
