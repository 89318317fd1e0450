"""Helpers for the campaign page tests: their addresses, and the builder's forms as the pages
submit them."""

from django.urls import reverse

from campaigns.models import CampaignType

from .conftest import channel


def url(name, *args):
    return reverse(f"campaigns:{name}", args=args)


def edit(campaign, tab):
    return url("campaign-edit", campaign.pk, tab)


def basic_data(tenant, **changes):
    data = {
        "name": "Autumn sale",
        "description": "",
        "campaign_type": CampaignType.objects.get(tenant=tenant, type_code="EMAIL_BLAST").pk,
        "budget_type": "",
        "budget": "1000",
        "start_date": "",
        "end_date": "",
        "channels": [channel(tenant, "EMAIL").pk],
    }
    return {**data, **changes}


def content_data(campaign, *forms, initial=None):
    data = {
        "content-TOTAL_FORMS": str(len(forms)),
        "content-INITIAL_FORMS": str(len(forms) if initial is None else initial),
        "content-MIN_NUM_FORMS": "0",
        "content-MAX_NUM_FORMS": "1000",
    }
    for i, form in enumerate(forms):
        for key, value in form.items():
            data[f"content-{i}-{key}"] = value
    return data


def rules_data(*rules, combinator="all"):
    data = {
        "editor": "rules",
        "combinator": combinator,
        "rule-TOTAL_FORMS": str(len(rules)),
        "rule-INITIAL_FORMS": "0",
        "rule-MIN_NUM_FORMS": "0",
        "rule-MAX_NUM_FORMS": "1000",
    }
    for i, (field, op, value) in enumerate(rules):
        data.update({f"rule-{i}-field": field, f"rule-{i}-op": op, f"rule-{i}-value": value})
    return data
