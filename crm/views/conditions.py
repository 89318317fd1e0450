"""The pages whose form carries a condition in crm's language (segments, and campaigns'
triggers above): the rule rows, or the JSON editor for a condition the rows cannot show."""

from django.utils.functional import cached_property

from customfields.services.values import active_definitions

from ..forms.conditions import ConditionBuilder, ConditionJsonForm
from ..selectors.segments import segment_choices


class PostedConditionMixin:
    """For a tenant page view (self.tenant): `builder()` makes the rule rows (`builder_class`)
    for the tenant's fields and segments, `posted_condition(data)` reads what was posted."""

    builder_class = ConditionBuilder

    @cached_property
    def definitions(self):
        return active_definitions(self.tenant)

    def builder(self, data=None, condition=None):
        return self.builder_class(
            data,
            definitions=self.definitions,
            segments=segment_choices(tenant=self.tenant),
            condition=condition,
        )

    def posted_condition(self, data) -> tuple:
        """(condition or None, errors, builder, json form) as posted: editor=json posts the
        JSON editor, else the rule rows."""
        if data.get("editor") == "json":
            json_form = ConditionJsonForm(data)
            if json_form.is_valid():
                condition = json_form.cleaned_data["condition"]
                return condition, [], self.builder(condition=condition), json_form
            errors = [f"Condition: {e}" for field in json_form.errors.values() for e in field]
            return None, errors, self.builder(), json_form
        builder = self.builder(data)
        condition = builder.condition()
        return condition, builder.errors, builder, ConditionJsonForm(initial={"condition": {}})
