"""Smart-tag rules (seed SmartTagRule): a rule gives its tag to every customer matching its
condition (the condition language, crm.conditions) and, when it says so, takes the tag away
from customers who stop matching. Written by crm.services.tag_rules, which keeps the tags
current as customers change and refuses rules that would loop on the tags they set."""

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from tenancy.models.tenants import TenantOwned

UNTAG_HELP = (
    "When a customer stops matching, the tag is removed (even where it was set by hand): the "
    "tag then means exactly 'matches the condition'. Off: the rule only ever adds the tag."
)


class SmartTagRule(TenantOwned):
    # A rule without its tag means nothing: deleting the tag deletes its rules.
    tag = models.ForeignKey("crm.Tag", on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(max_length=100, blank=True, help_text="An optional label.")
    condition = models.JSONField(
        default=dict, help_text="Which customers get the tag (the condition language)."
    )
    is_active = models.BooleanField(default=True)
    untag_when_unmatched = models.BooleanField(default=False, help_text=UNTAG_HELP)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "is_active"], name="tagrule_tenant_active")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How messages name the rule: its label, or the tag it sets."""
        return self.name or f"the rule tagging “{self.tag.name}”"

    @property
    def condition_text(self) -> str:
        return json.dumps(self.condition, ensure_ascii=False)

    def clean(self) -> None:
        if self.tag_id and self.tag.tenant_id != self.tenant_id:
            raise ValidationError({"tag": ["Unknown tag."]})
