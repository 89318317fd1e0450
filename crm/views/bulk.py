"""The customer list's bulk bar: add or remove tags, set a custom field or delete, for the ticked
customers or for all matching the list's filter — which the server reads again from the filter,
never from a list the browser sends. A first POST answers a confirmation that says what and how
many ("Add tag vip to 143 customers?"), asked of crm.services.bulk's checks so it never asks to
confirm what would be refused; the confirmed POST writes, then goes back to the list with the
result. GET (htmx, when a field is chosen) answers the value input for that field."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.generic import TemplateView

from tenancy.forms import add_service_errors

from ..forms.bulk import ADD_TAGS, ALL, DELETE, REMOVE_TAGS, SET_FIELD, CustomerBulkForm
from ..services.bulk import (
    BULK_MAX,
    CUSTOMER_BULK_DELETE_ROLES,
    customers_bulk_delete,
    customers_bulk_delete_check,
    customers_bulk_update,
    customers_bulk_update_check,
)
from .base import safe_next
from .customers import CustomersMixin

# The service's error keys -> the bar's fields.
FORM_FIELDS = {"add_tags": "tags", "remove_tags": "tags"}


def customers_text(n: int) -> str:
    return f"{n:,} customer{pluralize(n)}"


class CustomerBulkView(CustomersMixin, TemplateView):
    template_name = "crm/customers/bulk_confirm.html"
    value_template = "crm/customers/_bulk_value.html"

    def get_form(self, data=None) -> CustomerBulkForm:
        return CustomerBulkForm(
            data,
            definitions=self.definitions,
            may_delete=self.membership.role in CUSTOMER_BULK_DELETE_ROLES,
        )

    def get(self, request, *args, **kwargs):
        form = CustomerBulkForm(
            initial={"field": request.GET.get("field", "")}, definitions=self.definitions
        )
        return render(request, self.value_template, {"bulk_form": form})

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        back = safe_next(request, reverse("crm:customer-list"))
        context = {"bulk_form": form, "back": back}
        if not form.is_valid():
            return self.render_to_response(context)
        data = form.cleaned_data
        try:
            ids = self.selection(data)
            self.check(data, ids)
        except ValidationError as exc:
            add_service_errors(form, self.form_errors(exc))
            return self.render_to_response(context)
        count = len(ids)
        moved = data["scope"] == ALL and data["confirmed"] and data["expected"] != count
        if not data["confirmed"] or moved:
            return self.render_to_response(
                {
                    **context,
                    "question": self.question(data, count),
                    "count": count,
                    "moved_from": data["expected"] if moved else None,
                    "danger": data["action"] == DELETE,
                }
            )
        messages.success(request, self.perform(data, ids))
        return redirect(back)

    # -----------------------------------------------------------------------------------------

    def selection(self, data) -> list[int]:
        """The ticked ids, or every id matching the list's filter now (read again here)."""
        if data["scope"] != ALL:
            return data["customer_ids"]
        _, _, customers, _ = self.filter_list(QueryDict(data["query"]))
        ids = list(customers.order_by().values_list("pk", flat=True)[: BULK_MAX + 1])
        if not ids:
            raise ValidationError({"scope": ["No customers match the filter."]})
        if len(ids) > BULK_MAX:
            raise ValidationError(
                {"scope": [f"The filter matches more than {BULK_MAX:,} customers; narrow it."]}
            )
        return ids

    def changes(self, data) -> dict:
        if data["action"] == ADD_TAGS:
            return {"add_tags": data["tags"]}
        if data["action"] == REMOVE_TAGS:
            return {"remove_tags": data["tags"]}
        return {"custom_fields": {data["field"]: data["value"]}}

    def check(self, data, ids: list[int]) -> None:
        who = {"tenant": self.tenant, "by": self.membership, "customer_ids": ids}
        if data["action"] == DELETE:
            customers_bulk_delete_check(**who)
        else:
            customers_bulk_update_check(**who, **self.changes(data))

    def form_errors(self, exc: ValidationError) -> ValidationError:
        """The service's keys as the bar's fields: a custom value's error is the value's."""
        errors: dict[str, list[str]] = {}
        for key, messages_ in exc.message_dict.items():
            name = "value" if key.startswith("custom_fields.") else FORM_FIELDS.get(key, key)
            errors.setdefault(name, []).extend(messages_)
        return ValidationError(errors)

    def what(self, data) -> str:
        """ "tag vip", "tags vip, gold", "Membership tier to Gold", "Membership tier empty"."""
        if data["action"] in (ADD_TAGS, REMOVE_TAGS):
            tags = data["tags"]
            return f"tag{pluralize(len(tags))} {', '.join(tags)}"
        label = self.definitions[data["field"]].field_label
        value = data["value"]
        return f"{label} to {value}" if value not in (None, "") else f"{label} empty"

    def question(self, data, count: int) -> str:
        many = customers_text(count)
        return {
            ADD_TAGS: lambda: f"Add {self.what(data)} to {many}?",
            REMOVE_TAGS: lambda: f"Remove {self.what(data)} from {many}?",
            SET_FIELD: lambda: f"Set {self.what(data)} on {many}?",
            DELETE: lambda: f"Delete {many}? This cannot be undone.",
        }[data["action"]]()

    def perform(self, data, ids: list[int]) -> str:
        who = {"tenant": self.tenant, "by": self.membership, "customer_ids": ids}
        if data["action"] == DELETE:
            return f"Deleted {customers_text(customers_bulk_delete(**who))}."
        changed = customers_bulk_update(**who, **self.changes(data))
        done = {
            ADD_TAGS: f"Added {self.what(data)} to",
            REMOVE_TAGS: f"Removed {self.what(data)} from",
            SET_FIELD: f"Set {self.what(data)} on",
        }[data["action"]]
        unchanged = len(ids) - changed
        already = "did not have it" if data["action"] == REMOVE_TAGS else "had it already"
        rest = f" ({unchanged:,} {already})" if unchanged else ""
        return f"{done} {customers_text(changed)}{rest}."
