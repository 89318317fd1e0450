"""Tenant B's objects for the crossing tests. Every one of them carries the marker, so any
response to tenant A that contains the marker has leaked something."""

from dataclasses import dataclass

from crm.models import Lead, LeadChannel, LeadSource, LeadSubSource, Membership, Role
from crm.services.leads import lead_add_note, lead_create
from tests.factories import make_member

MARKER = "zqxbeta"


@dataclass
class World:
    source: LeadSource
    sub: LeadSubSource
    channel: LeadChannel
    agent: Membership
    lead: Lead


def build_foreign_world(tenant) -> World:
    source = LeadSource.objects.create(
        tenant=tenant, source_code="ZQXBETA_SRC", source_name="Zqxbeta source"
    )
    sub = LeadSubSource.objects.create(
        tenant=tenant, source=source, sub_source_code="ZQXBETA_SUB", sub_source_name="Zqxbeta sub"
    )
    channel = LeadChannel.objects.create(
        tenant=tenant, channel_code="ZQXBETA_CH", channel_name="Zqxbeta channel"
    )
    agent = make_member(tenant, "zqxbeta-agent", Role.AGENT)
    lead = lead_create(
        tenant=tenant,
        by=None,
        data={
            "first_name": "Zqxbeta",
            "last_name": "Secret",
            "email": "zqxbeta@beta.example",
            "company": "Zqxbeta Ltd",
            "source": source,
            "sub_source": sub,
            "channel": channel,
            "assigned_to": agent.user,
        },
        tags=["zqxbeta-tag"],
    )
    lead_add_note(lead=lead, by=agent, note="zqxbeta private note")
    return World(source, sub, channel, agent, lead)


def snapshot(world: World) -> tuple:
    """What must not change when tenant A pokes at tenant B's objects."""
    lead = Lead.objects.get(pk=world.lead.pk)
    source = LeadSource.objects.get(pk=world.source.pk)
    sub = LeadSubSource.objects.get(pk=world.sub.pk)
    channel = LeadChannel.objects.get(pk=world.channel.pk)
    return (
        lead.first_name,
        lead.status,
        lead.assigned_to_id,
        lead.archived_at,
        lead.activities.count(),
        source.source_name,
        source.is_active,
        source.deleted_at,
        sub.sub_source_name,
        sub.is_active,
        sub.deleted_at,
        channel.channel_name,
        channel.is_active,
        channel.deleted_at,
        Membership.objects.get(pk=world.agent.pk).role,
    )
