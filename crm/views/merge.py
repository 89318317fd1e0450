"""The duplicates list and the side-by-side merge page.

/customers/duplicates/ shows the tenant's groups of likely duplicates (crm.selectors.duplicates)
with their reason in words, each with "Compare and merge" (managers and admins). The merge page,
/customers/<pk>/merge/?with=<id>&with=<id>, puts the customer kept (<pk>) beside the others: a
column per customer, a row per field whose values differ with a radio for the value that wins
(by default the kept one's, or the first non-empty one; purchases added up), and what will move.
A first POST answers the confirmation ("Merge 2 customers into Ann Lee? This cannot be undone."),
asked of the service's own checks; the confirmed POST merges and goes to the kept customer.
Merging is for managers and admins (crm.services.merge.MERGE_ROLES): agents get a 403."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from ..models import Customer
from ..selectors.duplicates import REASONS, duplicate_groups
from ..services.merge import (
    MERGE_MAX,
    MERGE_REFUSED,
    MERGE_ROLES,
    SUM,
    SUMMED_FIELDS,
    customer_merge,
    customer_merge_check,
    describe_moves,
    field_value,
    merge_counts,
)
from .customers import CustomersMixin

GROUPS_PER_PAGE = 25
VALUE_PREFIX = "value:"


def may_merge(membership) -> bool:
    return membership.role in MERGE_ROLES


def merge_url(keep: int, others) -> str:
    """The merge page keeping `keep`, with `others` (`keep` left out of them)."""
    query = "&".join(f"with={pk}" for pk in others if pk != keep)
    return f"{reverse('crm:customer-merge', args=[keep])}?{query}"


class CustomerDuplicatesView(CustomersMixin, TemplateView):
    template_name = "crm/customers/duplicates.html"

    def get_context_data(self, **kwargs):
        reason = self.request.GET.get("reason")
        reason = reason if reason in REASONS else None
        groups = duplicate_groups(tenant=self.tenant, reason=reason)
        page = Paginator(groups, GROUPS_PER_PAGE).get_page(self.request.GET.get("page"))
        ids = {pk for group in page.object_list for pk in group.customers}
        customers = Customer.objects.for_tenant(self.tenant).in_bulk(ids)
        rows = [
            {
                "reason": group.reason_text,
                "customers": [customers[pk] for pk in group.customers if pk in customers],
                "merge_url": merge_url(group.customers[0], group.customers[1 : MERGE_MAX + 1]),
            }
            for group in page.object_list
        ]
        return super().get_context_data(
            groups=rows,
            page_obj=page,
            reasons=REASONS.items(),
            reason=reason,
            may_merge=may_merge(self.membership),
            **kwargs,
        )


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


class CustomerMergeView(CustomersMixin, TemplateView):
    template_name = "crm/customers/merge.html"

    def dispatch(self, request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if membership is not None and not may_merge(membership):
            raise PermissionDenied(MERGE_REFUSED)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def others(self) -> list[int] | None:
        """The ids of `with` (GET or POST), or None when one is not a number."""
        params = self.request.POST if self.request.method == "POST" else self.request.GET
        raw = params.getlist("with")[: MERGE_MAX + 1]
        if not all(v.isascii() and v.isdigit() and len(v) < 19 for v in raw):
            return None
        return list(dict.fromkeys(int(v) for v in raw))

    def chosen(self) -> dict:
        values = {}
        for name, raw in self.request.POST.items():
            if not name.startswith(VALUE_PREFIX):
                continue
            field = name.removeprefix(VALUE_PREFIX)
            if raw == SUM and field in SUMMED_FIELDS:
                values[field] = SUM
            elif raw.isascii() and raw.isdigit() and len(raw) < 19:
                values[field] = int(raw)
            else:
                values[field] = raw[:50]
        return values

    def plan(self, values=None):
        if self.others is None:
            raise ValidationError({"with": ["Give the customers to merge by their ids."]})
        return customer_merge_check(
            tenant=self.tenant,
            by=self.membership,
            keep=self.customer,
            duplicates=self.others,
            values=values,
        )

    def rows(self, plan) -> list[dict]:
        differing = plan.differing()
        rows = []
        for name in differing:
            label = plan.fields[name]
            cells = [
                {
                    "customer": c,
                    "value": _shown(field_value(c, name, plan.definitions)),
                    "checked": plan.choices[name] == c.pk,
                }
                for c in plan.customers
            ]
            total = None
            if name in SUMMED_FIELDS:
                total = _shown(sum(getattr(c, name) for c in plan.customers))
            rows.append(
                {
                    "name": name,
                    "input": f"{VALUE_PREFIX}{name}",
                    "label": label,
                    "cells": cells,
                    "sum": total,
                    "sum_checked": plan.choices[name] == SUM,
                }
            )
        return rows

    def context(self, plan, **extra) -> dict:
        moves = describe_moves(
            merge_counts(tenant=self.tenant, duplicate_ids=[c.pk for c in plan.duplicates])
        )
        return {
            "customer": plan.keep,
            "plan": plan,
            "rows": self.rows(plan),
            "moves": moves,
            "others": [c.pk for c in plan.duplicates],
            "swap": [
                {
                    "customer": c,
                    "url": merge_url(c.pk, [plan.keep.pk, *(d.pk for d in plan.duplicates)]),
                }
                for c in plan.duplicates
            ],
            "question": (
                f"Merge {len(plan.duplicates)} customer{pluralize(len(plan.duplicates))} "
                f"into {plan.keep.full_name}? This cannot be undone."
            ),
            **extra,
        }

    def refused(self, exc: ValidationError, status: int = 400):
        errors = [m for ms in exc.message_dict.values() for m in ms]
        return self.render_to_response({"customer": self.customer, "errors": errors}, status=status)

    def get(self, request, *args, **kwargs):
        try:
            plan = self.plan()
        except ValidationError as exc:
            return self.refused(exc)
        return self.render_to_response(self.context(plan))

    def post(self, request, *args, **kwargs):
        values = self.chosen()
        try:
            plan = self.plan(values)
        except ValidationError as exc:
            return self.refused(exc)
        if request.POST.get("confirmed") != "on":
            return self.render_to_response(self.context(plan, confirm=True, values=values))
        try:
            kept = customer_merge(
                tenant=self.tenant,
                by=self.membership,
                keep=plan.keep,
                duplicates=[c.pk for c in plan.duplicates],
                values=values,
            )
        except ValidationError as exc:
            return self.refused(exc)
        names = ", ".join(f"{c.full_name} (#{c.pk})" for c in plan.duplicates)
        messages.success(request, f"Merged {names} into {kept.full_name}.")
        return redirect(kept)
