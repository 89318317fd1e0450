"""The customers changelist's "Merge selected customers…": an intermediate page that names the
selected customers, says what will move and asks which one to keep; its confirmation merges the
others into it through crm.services.merge (the kept one's values, or the first non-empty one;
purchases added up). Choosing field by field is the merge page's (linked from here)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse

from tenancy.admin.base import refusal_messages

from ..services.merge import (
    MERGE_MAX,
    customer_merge,
    describe_moves,
    merge_counts,
)

ACTION = "merge_selected"


class KeepForm(forms.Form):
    keep = forms.TypedChoiceField(
        coerce=int, label="Keep", widget=forms.RadioSelect, help_text="The customer that stays."
    )


@admin.action(description="Merge selected customers…")
def merge_selected(modeladmin, request, queryset):
    customers = list(queryset.order_by("created_at", "pk")[: MERGE_MAX + 2])
    if len({c.tenant_id for c in customers}) != 1 or len(customers) < 2:
        modeladmin.message_user(
            request, "Select two or more customers of one tenant to merge.", messages.ERROR
        )
        return None
    if len(customers) > MERGE_MAX + 1:
        modeladmin.message_user(
            request, f"Merge at most {MERGE_MAX + 1} customers at once.", messages.ERROR
        )
        return None
    tenant = customers[0].tenant
    form = KeepForm(request.POST if "apply" in request.POST else None)
    form.fields["keep"].choices = [
        (c.pk, f"{c.full_name} (#{c.pk}){' · ' + c.email if c.email else ''}") for c in customers
    ]
    form.fields["keep"].initial = customers[0].pk
    if form.is_valid():
        keep = next(c for c in customers if c.pk == form.cleaned_data["keep"])
        others = [c.pk for c in customers if c.pk != keep.pk]
        try:
            kept = customer_merge(
                tenant=tenant, by=modeladmin.actor(request, tenant), keep=keep, duplicates=others
            )
        except (ValidationError, PermissionDenied) as exc:
            modeladmin.message_user(request, " ".join(refusal_messages(exc)), messages.ERROR)
            return None
        modeladmin.message_user(
            request, f"Merged {len(others)} customer(s) into {kept.full_name} (#{kept.pk})."
        )
        return None
    moves = describe_moves(merge_counts(tenant=tenant, duplicate_ids=[c.pk for c in customers]))
    first = customers[0]
    page = (
        reverse("crm:customer-merge", args=[first.pk])
        + "?"
        + "&".join(f"with={c.pk}" for c in customers[1:])
    )
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"Merge {len(customers)} customers into one",
        "opts": modeladmin.model._meta,
        "customers": customers,
        "form": form,
        "moves": moves,
        "page": page,
        "action": ACTION,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/crm/customer/merge.html", context)
