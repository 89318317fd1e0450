"""The form builder: a tenant's admins define its customer fields — list, create, edit,
deactivate/reactivate, delete, reorder (drag-and-drop, or up/down without JavaScript), apply an
industry template — beside a live preview of the customer form. Writes go through the definition
services; the preview is the customer pages' own form, so it shows exactly what they will."""

import copy
from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from tenancy.forms import add_service_errors, error_text
from tenancy.models import INDUSTRY_CHOICES, Tenant
from tenancy.scoping import TenantPageMixin

from .forms import DATE_WIDGET, CustomValuesForm, OptionsField
from .host import host_form
from .models import FieldDefinition, FieldType, key_validator
from .selectors.definitions import definition_for
from .services.definitions import (
    DEFINE_REFUSED,
    DEFINE_ROLES,
    definition_create,
    definition_delete,
    definition_set_active,
    definition_update,
    definitions_reorder,
    industry_template_apply,
    key_from_label,
)
from .services.values import TEXT_MAX_LENGTH, active_definitions

# The rule inputs of each type -> the validation_rules key they set.
RULE_INPUTS = {
    FieldType.TEXT: {
        "min_length": "min_length",
        "max_length": "max_length",
        "pattern": "pattern",
        "pattern_message": "pattern_message",
    },
    FieldType.NUMBER: {"number_min": "min", "number_max": "max"},
    FieldType.DATE: {"date_min": "min", "date_max": "max"},
}


def _shape_field(name: str, **kwargs) -> forms.Field:
    """The form field Django derives from FieldDefinition (lengths, the key's pattern)."""
    return FieldDefinition._meta.get_field(name).formfield(**kwargs)


def _rule_value(value):
    """How a rule input is kept in the JSON rules: numbers as numbers, dates as ISO text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class FieldForm(forms.Form):
    """A field definition as the builder edits it. Options and each type's rules have their own
    inputs; only those of the chosen type are sent. Pass `definition` to edit: its key and type
    are then fixed."""

    field_label = _shape_field("field_label", label="Label")
    field_key = _shape_field(
        "field_key",
        validators=[key_validator],  # model validators reach only model forms
        required=False,  # a new field's key is made from its label when left empty
        label="Key",
        help_text=(
            "Lower-case letters, digits and underscores; filters use it as cf_<key>. Leave it "
            "empty to make it from the label."
        ),
    )
    field_type = forms.ChoiceField(choices=FieldType.choices, label="Type")
    help_text = _shape_field("help_text", label="Help text")
    placeholder = _shape_field("placeholder")
    is_required = forms.BooleanField(required=False, label="Required")
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label="Active",
        help_text="An inactive field is hidden from forms and lists; its values are kept.",
    )
    select_options = OptionsField(required=False, label="Options", help_text="One per line.")
    min_length = forms.IntegerField(
        required=False, min_value=0, max_value=TEXT_MAX_LENGTH, label="Minimum length"
    )
    max_length = forms.IntegerField(
        required=False, min_value=1, max_value=TEXT_MAX_LENGTH, label="Maximum length"
    )
    pattern = forms.CharField(
        required=False, help_text="A regular expression the whole value must match."
    )
    pattern_message = forms.CharField(
        required=False,
        label="When it does not match",
        help_text="Completes “<Label> …”, e.g. “must look like AB-1234.”",
    )
    number_min = forms.DecimalField(required=False, decimal_places=2, label="Minimum")
    number_max = forms.DecimalField(required=False, decimal_places=2, label="Maximum")
    date_min = forms.DateField(required=False, widget=DATE_WIDGET, label="Earliest")
    date_max = forms.DateField(required=False, widget=DATE_WIDGET, label="Latest")

    main_names = (
        "field_label",
        "field_key",
        "field_type",
        "help_text",
        "placeholder",
        "is_required",
        "is_active",
    )

    def __init__(self, *args, definition: FieldDefinition | None = None, **kwargs):
        self.definition = definition
        if definition is not None:
            rules = definition.validation_rules
            kwargs["initial"] = {
                **{name: getattr(definition, name) for name in self.main_names},
                "select_options": definition.select_options,
                **{
                    name: rules.get(rule)
                    for name, rule in RULE_INPUTS.get(definition.field_type, {}).items()
                },
            }
        super().__init__(*args, **kwargs)
        if definition is not None:
            self.fields["field_key"].disabled = True
            self.fields["field_key"].help_text = (
                "Fixed once the field exists: apps, imports and filters (cf_<key>) address the "
                "field by its key."
            )
            self.fields["field_type"].disabled = True
            self.fields["field_type"].help_text = (
                f"Fixed once the field exists: its stored values are "
                f"{definition.get_field_type_display().lower()} values. To change the type, "
                f"create a new field and delete this one."
            )

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.main_names]

    def rule_groups(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """(type, legend, inputs) for the options and each type's rules."""
        return [
            (FieldType.SELECT, "Select options", [self["select_options"]]),
            *(
                (kind, f"{FieldType(kind).label} rules", [self[name] for name in inputs])
                for kind, inputs in RULE_INPUTS.items()
            ),
        ]

    def definition_data(self) -> dict:
        """What the definition services take; the key and type only for a new field."""
        cleaned = self.cleaned_data
        kind = cleaned["field_type"]
        data = {
            name: cleaned[name]
            for name in ("field_label", "help_text", "placeholder", "is_required", "is_active")
        }
        data["select_options"] = cleaned["select_options"] if kind == FieldType.SELECT else []
        data["validation_rules"] = {
            rule: _rule_value(cleaned[name])
            for name, rule in RULE_INPUTS.get(kind, {}).items()
            if cleaned.get(name) not in (None, "")
        }
        if self.definition is None:
            data.update(field_key=cleaned["field_key"], field_type=kind)
        return data

    def unsaved_definition(self, *, tenant: Tenant, order: int) -> FieldDefinition:
        """The definition as the form has it, never saved: what the preview shows."""
        if self.definition is not None:
            definition = copy.copy(self.definition)
        else:
            definition = FieldDefinition(tenant=tenant, order=order)
        for name, value in self.definition_data().items():
            setattr(definition, name, value)
        if not definition.field_key:  # the key the service will make from the label
            definition.field_key = key_from_label(definition.field_label, set()) or "new_field"
        return definition


class IndustryForm(forms.Form):
    industry = forms.ChoiceField(choices=INDUSTRY_CHOICES)


def preview_form(tenant: Tenant, unsaved: FieldDefinition | None = None) -> CustomValuesForm:
    """The host's form (CUSTOMFIELDS_HOST_FORM: the customer form) as its create page would show
    it, with `unsaved` in place of the saved field of its key (or added, for a new one; left out
    when inactive)."""
    definitions = active_definitions(tenant)
    if unsaved is not None:
        definitions.pop(unsaved.field_key, None)
        if unsaved.is_active:
            definitions[unsaved.field_key] = unsaved
    ordered = sorted(definitions.values(), key=lambda d: (d.order, d.pk is None, d.pk or 0))
    return host_form()(definitions={d.field_key: d for d in ordered}, auto_id="preview_%s")


class TenantAdminRequiredMixin:
    """After TenantPageMixin (sign-in and tenant are checked first): only the tenant's admins."""

    def dispatch(self, request, *args, **kwargs):
        if request.membership.role not in DEFINE_ROLES:
            raise PermissionDenied(DEFINE_REFUSED)
        return super().dispatch(request, *args, **kwargs)


class BuilderMixin(TenantPageMixin, TenantAdminRequiredMixin):
    """The tenant's fields, addressed by key: another tenant's is a 404 like a missing one."""

    def get_queryset(self):
        return FieldDefinition.objects.for_tenant(self.tenant)

    @cached_property
    def definition(self) -> FieldDefinition:
        return definition_for(
            tenant=self.tenant, membership=self.membership, key=self.kwargs["key"]
        )

    def back_to_list(self, message: str = "", *, error: ValidationError | None = None):
        if error is not None:
            messages.error(self.request, error_text(error))
        elif message:
            messages.success(self.request, message)
        return redirect("customfields:field-list")


class FieldListView(BuilderMixin, TemplateView):
    template_name = "customfields/builder.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            fields=list(self.get_queryset()),
            template_form=IndustryForm(initial={"industry": self.tenant.industry}),
            preview=preview_form(self.tenant),
            **kwargs,
        )


class FieldFormMixin(BuilderMixin):
    form_class = FieldForm
    template_name = "customfields/field_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=preview_form(self.tenant), **kwargs)


class FieldCreateView(FieldFormMixin, FormView):
    def form_valid(self, form):
        # A new field goes last; drag-and-drop or the arrows move it.
        data = {**form.definition_data(), "order": self.get_queryset().count()}
        try:
            definition = definition_create(tenant=self.tenant, by=self.membership, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return self.back_to_list(
            f"Field “{definition.field_label}” created, stored in {definition.storage}."
        )


class FieldEditView(FieldFormMixin, FormView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "definition": self.definition}

    def get_context_data(self, **kwargs):
        return super().get_context_data(definition=self.definition, **kwargs)

    def form_valid(self, form):
        try:
            definition_update(
                definition=self.definition, by=self.membership, data=form.definition_data()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return self.back_to_list(f"Field “{self.definition.field_label}” saved.")


class FieldPreviewView(BuilderMixin, View):
    """The preview with the field form as posted (htmx, while a field is edited); saves
    nothing. Until the form is valid the field is left out and the preview says why."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        definition = self.definition if "key" in kwargs else None
        form = FieldForm(request.POST, definition=definition)
        unsaved = None
        if form.is_valid():
            unsaved = form.unsaved_definition(tenant=self.tenant, order=self.get_queryset().count())
        context = {"preview": preview_form(self.tenant, unsaved), "field_form": form}
        return render(request, "customfields/_preview.html", context)


class FieldActiveView(BuilderMixin, View):
    """POST active=1 to reactivate, active=0 to deactivate (values are kept either way)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        active = request.POST.get("active") == "1"
        definition_set_active(definition=self.definition, by=self.membership, active=active)
        label = self.definition.field_label
        if active:
            return self.back_to_list(f"Field “{label}” reactivated.")
        return self.back_to_list(f"Field “{label}” deactivated: hidden, its values are kept.")


class FieldMoveView(BuilderMixin, View):
    """One place up or down: the order without JavaScript."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        keys = list(self.get_queryset().values_list("field_key", flat=True))
        here = keys.index(self.definition.field_key)
        there = here - 1 if request.POST.get("direction") == "up" else here + 1
        if 0 <= there < len(keys):
            keys[here], keys[there] = keys[there], keys[here]
            definitions_reorder(tenant=self.tenant, by=self.membership, keys=keys)
        return self.back_to_list()


class FieldReorderView(BuilderMixin, View):
    """POST every field's key (`keys`, in the new order): what drag-and-drop sends."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            definitions_reorder(
                tenant=self.tenant, by=self.membership, keys=request.POST.getlist("keys")
            )
        except ValidationError as exc:
            return self.back_to_list(error=exc)
        return self.back_to_list("Field order saved.")


class ApplyTemplateView(BuilderMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = IndustryForm(request.POST)
        if not form.is_valid():
            return self.back_to_list(error=ValidationError(form.errors["industry"]))
        industry = form.cleaned_data["industry"]
        try:
            report = industry_template_apply(
                tenant=self.tenant, by=self.membership, industry=industry
            )
        except ValidationError as exc:
            return self.back_to_list(error=exc)
        created, skipped = report["created"], report["skipped"]
        return self.back_to_list(
            f"{dict(INDUSTRY_CHOICES)[industry]} template: created {len(created)} field(s)"
            + (f" ({', '.join(created)})" if created else "")
            + f"; skipped {len(skipped)} that already existed"
            + (f" ({', '.join(skipped)})." if skipped else ".")
        )


class FieldDeleteView(BuilderMixin, TemplateView):
    """GET asks for confirmation (the values will be cleared); POST deletes."""

    template_name = "customfields/field_confirm_delete.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(definition=self.definition, **kwargs)

    def post(self, request, *args, **kwargs):
        label = self.definition.field_label
        definition_delete(definition=self.definition, by=self.membership)
        return self.back_to_list(f"Field “{label}” deleted and its values cleared.")
