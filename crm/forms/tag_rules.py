"""The add-a-rule form of the rules page: it only turns the posted text into values (the
condition from JSON); the rule services judge them."""

from django import forms

from ..models.tag_rules import UNTAG_HELP
from ..services.tags import MAX_TAG_LENGTH


class SmartTagRuleForm(forms.Form):
    tag = forms.CharField(max_length=MAX_TAG_LENGTH, help_text="Created on first use.")
    name = forms.CharField(max_length=100, required=False, label="Label (optional)")
    condition = forms.JSONField(
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": '{"field": "total_spent", "op": "gte", "value": 1000}',
            }
        ),
        help_text='JSON; combine conditions with {"all": […]}, {"any": […]} and {"not": …}.',
    )
    untag_when_unmatched = forms.BooleanField(
        required=False, label="Remove the tag when a customer stops matching", help_text=UNTAG_HELP
    )
