"""A campaign's trigger pages: the builder (new and edit: the event in words, the condition
over the customer and the event's data with a live count, the actions in order, the delay, the
cap, active), the trigger's page (its settings in words and its run log, paged, by outcome),
switching it off or on, and deleting it after a confirmation that says how many runs go.

Every member reads (as in the API, campaign-triggers/); managers and admins build, switch and
delete (others get a 403 here, and the services refuse them on their own). A trigger is
fetched through its campaign (`campaign_trigger_for`): another tenant's, or another campaign's,
is a 404. Writes go through campaigns.automation.services, as the API's do."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from crm.forms.conditions import ConditionJsonForm
from crm.views.conditions import PostedConditionMixin
from customfields.services.values import active_definitions
from tenancy.forms import error_text
from tenancy.pagination import page_of

from ..automation.actions import ACTION_LABELS, describe
from ..automation.selectors import (
    campaign_trigger_for,
    member_choices,
    seen_event_types,
    trigger_match_count,
    trigger_runs,
)
from ..automation.services import trigger_create, trigger_delete, trigger_update
from ..forms.triggers import (
    ActionForm,
    ActionFormSet,
    TriggerConditionBuilder,
    TriggerForm,
    condition_words,
    event_words,
    has_event_rules,
)
from ..models import CampaignTrigger, RunOutcome
from .base import CampaignsMixin, WriteRequiredMixin

RUNS_PER_PAGE = 25
EVENT_RULES_NOTE = (
    "Rules on the event's data (event.…) cannot be counted ahead: they are judged on each "
    "event, so this count takes them as met."
)


class TriggersMixin(CampaignsMixin):
    @cached_property
    def trigger(self) -> CampaignTrigger:
        return campaign_trigger_for(
            tenant=self.tenant,
            membership=self.membership,
            campaign=self.campaign,
            pk=self.kwargs["tid"],
        )


class BuilderMixin(PostedConditionMixin, TriggersMixin):
    """The builder's parts for the request's tenant: the condition (rule rows with the event's
    rules, or JSON) and the actions."""

    builder_class = TriggerConditionBuilder

    def count(self, condition) -> dict:
        """The live count: customers the condition's customer part matches now."""
        if condition is None:
            return {"count": None}
        try:
            found = trigger_match_count(tenant=self.tenant, condition=condition)
        except ValidationError as exc:
            return {"error": error_text(exc)}
        return {"count": found, "note": EVENT_RULES_NOTE if has_event_rules(condition) else ""}


class TriggerCountView(BuilderMixin, WriteRequiredMixin, TemplateView):
    """POST (htmx, from the builder): how many customers the posted, unsaved condition matches
    now."""

    http_method_names = ["post"]
    template_name = "campaigns/triggers/_count.html"

    def post(self, request, *args, **kwargs):
        self.campaign  # noqa: B018  (another tenant's campaign is a 404)
        condition, errors, _, _ = self.posted_condition(request.POST)
        return self.render_to_response(
            self.get_context_data(count=self.count(condition), errors=errors)
        )


class TriggerFormView(BuilderMixin, WriteRequiredMixin, TemplateView):
    """New (no tid) or edit: the trigger's fields, its condition and its actions in one form;
    every problem shown at once beside its field; saving shows the trigger's page."""

    template_name = "campaigns/triggers/form.html"

    @cached_property
    def editing(self) -> CampaignTrigger | None:
        return self.trigger if "tid" in self.kwargs else None

    def trigger_form(self, data=None) -> TriggerForm:
        editing = self.editing
        return TriggerForm(
            data,
            seen_types=seen_event_types(tenant=self.tenant),
            current=editing.event_type if editing else None,
            initial=TriggerForm.initial_for(editing),
        )

    def action_formset(self, data=None) -> ActionFormSet:
        editing = self.editing
        initial = [ActionForm.initial_for(a) for a in editing.actions] if editing else []
        return ActionFormSet(
            data,
            prefix="action",
            initial=initial or [{"type": "send"}],
            fields=[(key, d.field_label) for key, d in self.definitions.items()],
            members=member_choices(tenant=self.tenant),
        )

    def get(self, request, *args, **kwargs):
        condition = self.editing.conditions if self.editing else {}
        return self.render(
            self.trigger_form(),
            self.builder(condition=condition),
            ConditionJsonForm(initial={"condition": condition}),
            self.action_formset(),
            [],
            condition,
        )

    def render(self, form, builder, json_form, actions, errors, condition, status=200):
        context = self.get_context_data(
            campaign=self.campaign,
            trigger=self.editing,
            form=form,
            builder=builder,
            json_form=json_form,
            actions=actions,
            errors=errors,
            count=self.count(condition),
            editable=True,
        )
        return self.render_to_response(context, status=status)

    def post(self, request, *args, **kwargs):
        form = self.trigger_form(request.POST)
        condition, errors, builder, json_form = self.posted_condition(request.POST)
        actions = self.action_formset(request.POST)
        valid = [form.is_valid(), actions.is_valid(), condition is not None]
        chosen, rows = actions.actions() if valid[1] else ([], [])
        if valid[1] and not chosen:
            errors.append("Actions: give at least one action.")
            valid.append(False)
        if all(valid):
            data = {
                **form.trigger_data(),
                "campaign": self.campaign,
                "conditions": condition,
                "actions": chosen,
            }
            try:
                if self.editing is None:
                    trigger = trigger_create(tenant=self.tenant, by=self.membership, data=data)
                else:
                    trigger = trigger_update(trigger=self.editing, by=self.membership, data=data)
            except ValidationError as exc:
                errors += self.service_errors(exc, form, actions, rows)
            else:
                messages.success(request, f"Trigger “{trigger.name}” saved.")
                return redirect("campaigns:trigger-detail", pk=self.campaign.pk, tid=trigger.pk)
        return self.render(form, builder, json_form, actions, errors, condition, status=400)

    @staticmethod
    def service_errors(exc: ValidationError, form, actions, rows: list[int]) -> list[str]:
        """The service's errors beside their fields: an action's on its row, the condition's
        above the builder, the rest on the trigger's fields."""
        found = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        lines = [f"Condition: {m}" for m in found.pop("conditions", [])]
        for message in found.pop("actions", []):
            head, _, why = message.partition(": ")
            if head.startswith("actions[") and head.endswith("]") and head[8:-1].isdigit():
                index = int(head[8:-1])
                if index < len(rows):
                    actions.forms[rows[index]].add_error(None, why)
                    continue
            lines.append(f"Actions: {message}")
        lines += found.pop("__all__", [])
        form.add_service_errors(found)
        return lines


class TriggerDetailView(TriggersMixin, TemplateView):
    """The trigger's settings in words and its run log, newest first, by outcome."""

    template_name = "campaigns/triggers/detail.html"

    def get_context_data(self, **kwargs):
        trigger = self.trigger
        outcome = self.request.GET.get("outcome", "")
        runs = trigger_runs(trigger=trigger)
        if outcome in RunOutcome.values:
            runs = runs.filter(outcome=outcome)
        else:
            outcome = ""
        page = page_of(self.request, runs, RUNS_PER_PAGE)
        return super().get_context_data(
            campaign=self.campaign,
            trigger=trigger,
            event_words=event_words(trigger.event_type),
            condition_words=condition_words(trigger.conditions, active_definitions(self.tenant)),
            action_words=[describe(action) for action in trigger.actions],
            outcomes=RunOutcome.choices,
            outcome=outcome,
            page_obj=page,
            runs=[
                {"run": run, "event": event_words(run.event_type), "results": result_words(run)}
                for run in page
            ],
            **kwargs,
        )


def result_words(run) -> list[str]:
    """What each action of a fired run did: "Add a tag: Tag added." …"""
    return [
        f"{ACTION_LABELS.get(result.get('type'), result.get('type'))}: {result.get('detail')}"
        + ("" if result.get("ok", True) else " (refused)")
        for result in run.results
        if isinstance(result, dict)
    ]


class TriggerConfirmView(TriggersMixin, WriteRequiredMixin, TemplateView):
    """GET asks, saying what and how many; POST does it. `action`: delete, deactivate or
    activate."""

    template_name = "campaigns/triggers/confirm.html"

    def get_context_data(self, **kwargs):
        trigger = self.trigger
        return super().get_context_data(
            campaign=self.campaign,
            trigger=trigger,
            action=kwargs.pop("action", self.kwargs["action"]),
            runs=trigger.runs_fired + trigger.runs_scheduled + trigger.runs_skipped,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        trigger, action = self.trigger, self.kwargs["action"]
        try:
            if action == "delete":
                trigger_delete(trigger=trigger, by=self.membership)
            else:
                trigger_update(
                    trigger=trigger, by=self.membership, data={"is_active": action == "activate"}
                )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("campaigns:trigger-detail", pk=self.campaign.pk, tid=trigger.pk)
        if action == "delete":
            messages.success(request, f"Trigger “{trigger.name}” deleted with its run log.")
            url = reverse("campaigns:campaign-detail", args=[self.campaign.pk])
            return redirect(f"{url}#triggers")
        done = "switched on" if action == "activate" else "switched off"
        messages.success(request, f"Trigger “{trigger.name}” {done}.")
        return redirect("campaigns:trigger-detail", pk=self.campaign.pk, tid=trigger.pk)
