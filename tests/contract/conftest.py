"""The contract tests' tenant: the demo tenant (tenancy, custom fields, leads, customers,
callbacks, milestones, campaigns as `make run` shows them), and for every path parameter of the
schema the real keys a member of it can open, so the fuzzer reaches the objects and not only 404s.

`PATH_VALUES` names where each path parameter's values come from, by a regex of the path and the
parameter's name; `path_values` fails on any path parameter of the schema it does not cover, so a
new route is exercised with real keys or the test says what to add here."""

import re
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from rest_framework.authtoken.models import Token

from callbacks.selectors import callbacks_visible_to
from campaigns.automation.selectors import triggers_visible_to
from campaigns.models import (
    BudgetType,
    CampaignChannel,
    CampaignExecution,
    CampaignStatus,
    CampaignType,
)
from campaigns.selectors.campaigns import campaigns_visible_to
from campaigns.selectors.responses import responses_visible_to
from campaigns.selectors.templates import templates_available
from crm.models import ImportJob, LeadChannel, LeadSource, LeadSubSource, Tag
from crm.selectors.customers import customers_visible_to
from crm.selectors.leads import leads_visible_to
from crm.selectors.notes import notes_visible_to
from crm.selectors.segments import segments_visible_to
from crm.selectors.tag_rules import tag_rules_visible_to
from customfields.models import FieldDefinition
from demo.seed import seed_demo
from milestones.models import MilestoneTemplate, MilestoneType
from milestones.selectors.lead_milestones import milestones_visible_to
from tenancy.models import Membership, OutboxEvent

# How many keys of each kind the fuzzer picks from.
KEYS = 8
# How often a generated path parameter is replaced by a real key (the rest stay random, so a
# missing object's 404 is fuzzed too).
REAL_KEY_PROBABILITY = 0.9

Values = Callable[[Membership], list]


def pks(queryset) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:KEYS])


def codes(model, field: str) -> Values:
    return lambda member: list(
        model.objects.for_tenant(member.tenant)
        .live()
        .order_by("display_order", "pk")
        .values_list(field, flat=True)[:KEYS]
    )


def visible(selector) -> Values:
    return lambda member: pks(selector(tenant=member.tenant, membership=member))


def a_source_with_sub_sources(member: Membership) -> LeadSource:
    sub = LeadSubSource.objects.for_tenant(member.tenant).live().order_by("pk").first()
    return sub.source


def sub_source_codes(member: Membership) -> list[str]:
    subs = a_source_with_sub_sources(member).sub_sources.live().order_by("pk")
    return list(subs.values_list("sub_source_code", flat=True)[:KEYS])


def a_lead_with_milestones(member: Membership):
    return milestones_visible_to(tenant=member.tenant, membership=member).order_by("pk")[0].lead


def executions(member: Membership) -> list[int]:
    campaigns = campaigns_visible_to(tenant=member.tenant, membership=member)
    return pks(CampaignExecution.objects.for_tenant(member.tenant).filter(campaign__in=campaigns))


def campaign_templates(member: Membership) -> list[int]:
    return pks(templates_available(tenant=member.tenant))


def field_keys(member: Membership) -> list[str]:
    fields = FieldDefinition.objects.for_tenant(member.tenant).order_by("pk")
    return list(fields.values_list("field_key", flat=True)[:KEYS])


def member_users(member: Membership) -> list[int]:
    members = Membership.objects.filter(tenant=member.tenant).order_by("pk")
    return list(members.values_list("user_id", flat=True)[:KEYS])


# (path regex, parameter, the member's keys); the first match wins.
PATH_VALUES: list[tuple[str, str, Values]] = [
    (r"/callbacks/\{id\}/", "id", visible(callbacks_visible_to)),
    (r"/campaign-executions/\{id\}/", "id", executions),
    (r"/campaign-triggers/\{id\}/", "id", visible(triggers_visible_to)),
    (r"/campaign-responses/\{id\}/", "id", visible(responses_visible_to)),
    (r"/campaigns/templates/\{id\}/", "id", campaign_templates),
    (r"/campaigns/\{id\}/", "id", visible(campaigns_visible_to)),
    (r"/custom-fields/|/customers/", "field_key", field_keys),
    (r"/customers/\{id\}/", "id", visible(customers_visible_to)),
    (r"/tags/\{id\}/", "id", lambda member: pks(Tag.objects.for_tenant(member.tenant))),
    (r"/segments/\{id\}/", "id", visible(segments_visible_to)),
    # Every import of the tenant, also for an agent (who sees none: a 404 each).
    (r"/imports/\{id\}/", "id", lambda member: pks(ImportJob.objects.for_tenant(member.tenant))),
    (r"/budget-types/", "budget_type_code", codes(BudgetType, "budget_type_code")),
    (
        r"/campaign-channels/|/analytics/channel/",
        "channel_code",
        codes(CampaignChannel, "channel_code"),
    ),
    (r"/campaign-statuses/", "status_code", codes(CampaignStatus, "status_code")),
    (r"/campaign-templates/\{id\}/", "id", campaign_templates),
    (r"/campaign-types/|/analytics/type/", "type_code", codes(CampaignType, "type_code")),
    (r"/lead-channels/", "channel_code", codes(LeadChannel, "channel_code")),
    (
        r"/sub-sources/",
        "source_code",
        lambda member: [a_source_with_sub_sources(member).source_code],
    ),
    (r"/sub-sources/", "sub_source_code", sub_source_codes),
    (r"/lead-sources/", "source_code", codes(LeadSource, "source_code")),
    (
        r"/milestone-templates/\{id\}/",
        "id",
        lambda member: pks(MilestoneTemplate.objects.for_tenant(member.tenant).live()),
    ),
    (r"/milestone-types/", "type_code", codes(MilestoneType, "type_code")),
    (
        r"/\{lead_id\}/\{milestone_id\}/",
        "lead_id",
        lambda member: [a_lead_with_milestones(member).pk],
    ),
    (
        r"/\{lead_id\}/\{milestone_id\}/",
        "milestone_id",
        lambda member: pks(a_lead_with_milestones(member).milestones.all()),
    ),
    (r"/milestones/\{lead_id\}/", "lead_id", visible(leads_visible_to)),
    (r"/leads/\{id\}/", "id", visible(leads_visible_to)),
    (r"/notes/\{id\}/", "id", visible(notes_visible_to)),
    (r"/tag-rules/\{id\}/", "id", visible(tag_rules_visible_to)),
    (r"/members/\{user_id\}/", "user_id", member_users),
    (r"/events/\{id\}/", "id", lambda member: pks(OutboxEvent.objects.for_tenant(member.tenant))),
]


def path_values(paths, member: Membership) -> dict[tuple[str, str], list]:
    """{(path, parameter): the member's real keys} for every path parameter in `paths`."""
    found, missing = {}, []
    for path in paths:
        for parameter in re.findall(r"\{(\w+)\}", path):
            values = next(
                (
                    values
                    for regex, name, values in PATH_VALUES
                    if name == parameter and re.search(regex, path)
                ),
                None,
            )
            keys = values(member) if values else []
            if keys:
                found[(path, parameter)] = keys
            else:
                missing.append(f"{path} {{{parameter}}}")
    assert not missing, (
        "no real keys for these path parameters (add them to PATH_VALUES):\n" + "\n".join(missing)
    )
    return found


@pytest.fixture
def demo_tenant(db):
    tenant, _ = seed_demo(leads=40)
    return tenant


def signed_in(tenant, username: str) -> SimpleNamespace:
    """The member `username` of `tenant` and the headers of its API token."""
    member = Membership.objects.select_related("tenant", "user").get(
        tenant=tenant, user__username=username
    )
    token, _ = Token.objects.get_or_create(user=member.user)
    return SimpleNamespace(member=member, headers={"Authorization": f"Token {token.key}"})
