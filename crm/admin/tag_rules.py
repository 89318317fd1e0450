"""Smart-tag rules in the admin: the tag by name, the condition as JSON, written through the rule
services (which apply the rule and refuse loops), and an "Apply now" action."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from tenancy.admin.base import ServiceSaveMixin, refusal_messages

from ..models import SmartTagRule
from ..selectors.tag_rules import tag_rule_for
from ..services import tag_rules as rule_services
from ..services.tags import MAX_TAG_LENGTH
from .base import SelectedObjectMixin


class SmartTagRuleAdminForm(forms.ModelForm):
    """`tag` is a name (created on first use), not a choice among existing tags."""

    tag = forms.CharField(
        max_length=MAX_TAG_LENGTH, help_text="The tag's name; created on first use."
    )

    class Meta:
        model = SmartTagRule
        fields = ["tenant", "tag", "name", "condition", "is_active", "untag_when_unmatched"]
        help_texts = {
            "condition": 'JSON, e.g. {"field": "total_spent", "op": "gte", "value": 1000}; '
            '{"all": […]}, {"any": […]} and {"not": …} combine conditions.'
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag"].initial = self.instance.tag.name


@admin.register(SmartTagRule)
class SmartTagRuleAdmin(SelectedObjectMixin, ServiceSaveMixin, admin.ModelAdmin):
    object_for = staticmethod(tag_rule_for)
    form = SmartTagRuleAdminForm
    # The tag is the form's own name field; the services set the author.
    exclude = ["tag", "created_by"]
    list_display = ["__str__", "tag", "is_active", "untag_when_unmatched", "created_at"]
    list_filter = ["is_active", "untag_when_unmatched"]
    search_fields = ["name", "tag__name"]
    list_select_related = ["tag"]
    actions = ["apply_selected"]
    service_fields = set(rule_services.TAG_RULE_FIELDS)

    def service_create(self, request, tenant, data):
        return rule_services.tag_rule_create(
            tenant=tenant, by=self.actor(request, tenant), data=data
        )

    def service_update(self, request, rule, data):
        return rule_services.tag_rule_update(
            rule=rule, by=self.actor(request, rule.tenant), data=data
        )

    def service_delete(self, obj, *, by):
        rule_services.tag_rule_delete(rule=obj, by=by)

    @admin.action(description="Apply now over every customer")
    def apply_selected(self, request, queryset):
        for rule in queryset.select_related("tag", "tenant"):
            try:
                tagged = rule_services.tag_rule_apply(
                    rule=rule, by=self.actor(request, rule.tenant)
                )
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request, f"{rule}: {' '.join(refusal_messages(exc))}", messages.ERROR
                )
                continue
            self.message_user(request, f"{rule}: {tagged} customer(s) tagged.", messages.SUCCESS)
