"""The template library page and creating a campaign from a template."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from ..forms.campaigns import FromTemplateForm, service_messages
from ..models import CampaignTemplate
from ..selectors.templates import campaign_template_for, templates_available
from ..services.campaigns import campaign_create_from_template
from .base import CampaignsMixin, WriteRequiredMixin


class TemplateListView(CampaignsMixin, TemplateView):
    template_name = "campaigns/templates.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            templates=templates_available(tenant=self.tenant), form=FromTemplateForm(), **kwargs
        )


class CreateFromTemplateView(CampaignsMixin, WriteRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        template: CampaignTemplate = campaign_template_for(
            tenant=self.tenant, membership=self.membership, pk=kwargs["pk"]
        )
        form = FromTemplateForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Give a name of at most 200 characters.")
            return redirect("campaigns:template-list")
        try:
            campaign = campaign_create_from_template(
                template=template, data=form.campaign_data(), by=self.membership
            )
        except ValidationError as exc:
            for line in service_messages(exc):
                messages.error(request, line)
            return redirect("campaigns:template-list")
        messages.success(request, f"Campaign created from “{template.template_name}”.")
        return redirect("campaigns:campaign-edit", pk=campaign.pk, tab="basic")
