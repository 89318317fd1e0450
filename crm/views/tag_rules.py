"""The smart-tag rules page (/tags/rules/): the tenant's rules with "Apply now" (confirmed,
saying how many customers it tags and untags) and a form to add one. Every member sees the
rules; admins and managers add and apply them (the rule services check it)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from tenancy.forms import add_service_errors, error_text
from tenancy.scoping import TenantPageMixin

from ..forms.tag_rules import SmartTagRuleForm
from ..models import SmartTagRule
from ..selectors.tag_rules import tag_rule_changes, tag_rule_for, tag_rules_visible_to
from ..services.tag_rules import tag_rule_apply, tag_rule_create


class TagRuleListView(TenantPageMixin, TemplateView):
    """GET: the rules and, for admins and managers, the add form; POST adds a rule."""

    template_name = "crm/tag_rules/list.html"

    def get_context_data(self, form=None, **kwargs):
        rules = tag_rules_visible_to(tenant=self.tenant, membership=self.membership)
        return super().get_context_data(
            rules=rules.order_by("tag__name", "pk"),
            form=form or SmartTagRuleForm(),
            can_write=self.membership.can_manage,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = SmartTagRuleForm(request.POST)
        if form.is_valid():
            try:
                rule = tag_rule_create(
                    tenant=self.tenant, by=self.membership, data=form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Rule added: “{rule.tag.name}” is up to date.")
                return redirect("crm:tag-rule-list")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TagRuleApplyView(TenantPageMixin, TemplateView):
    """GET asks for confirmation, saying how many customers the rule tags and untags now;
    POST applies it."""

    template_name = "crm/tag_rules/apply.html"

    @cached_property
    def rule(self) -> SmartTagRule:
        return tag_rule_for(tenant=self.tenant, membership=self.membership, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        if not self.membership.can_manage:
            raise PermissionDenied("Only admins and managers apply rules.")
        try:
            to_tag, to_untag = tag_rule_changes(self.rule)
        except ValidationError as exc:
            return super().get_context_data(rule=self.rule, problem=error_text(exc), **kwargs)
        return super().get_context_data(
            rule=self.rule,
            to_tag=to_tag.count(),
            to_untag=to_untag.count() if to_untag is not None else None,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        try:
            tagged = tag_rule_apply(rule=self.rule, by=self.membership)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"“{self.rule.label}” applied: {tagged} customer(s) tagged.")
        return redirect(reverse("crm:tag-rule-list"))
