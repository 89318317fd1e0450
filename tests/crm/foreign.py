"""crm's part of the crossing walks (tests/tenancy): tenant B's marked objects, how to address
them, and the writes and filters that point at them."""

from datetime import date

from crm.api.imports import ImportViewSet
from crm.api.leads import LeadViewSet
from crm.api.notes import NoteViewSet
from crm.api.segments import SegmentViewSet
from crm.api.sources import LeadChannelViewSet, LeadSourceViewSet, LeadSubSourceViewSet
from crm.api.tag_rules import SmartTagRuleViewSet
from crm.api.tags import TagViewSet
from crm.api.timeline import CustomerTimelineViewSet
from crm.models import (
    CustomerNote,
    ImportJob,
    Lead,
    LeadChannel,
    LeadSource,
    LeadSubSource,
    Segment,
    SmartTagRule,
    Tag,
)
from crm.services.imports import import_run, import_start
from crm.services.leads import lead_add_note, lead_create
from crm.services.notes import note_create
from crm.services.segments import segment_create, segment_rebuild
from crm.services.tag_rules import tag_rule_create
from tenancy.actors import OPERATOR
from tenancy.api.members import MemberViewSet
from tenancy.models import Invitation, Membership, MembershipEvent, Role
from tenancy.services.members import invitation_create
from tests.factories import CustomerFactory, make_member


def build(world, tenant) -> None:
    world.source = LeadSource.objects.create(
        tenant=tenant, source_code="ZQXBETA_SRC", source_name="Zqxbeta source"
    )
    world.sub = LeadSubSource.objects.create(
        tenant=tenant,
        source=world.source,
        sub_source_code="ZQXBETA_SUB",
        sub_source_name="Zqxbeta sub",
    )
    world.channel = LeadChannel.objects.create(
        tenant=tenant, channel_code="ZQXBETA_CH", channel_name="Zqxbeta channel"
    )
    world.agent = make_member(tenant, "zqxbeta-agent", Role.AGENT)
    world.lead = lead_create(
        tenant=tenant,
        by=OPERATOR,
        data={
            "first_name": "Zqxbeta",
            "last_name": "Secret",
            "email": "zqxbeta@beta.example",
            "company": "Zqxbeta Ltd",
            "source": world.source,
            "sub_source": world.sub,
            "channel": world.channel,
            "assigned_to": world.agent.user,
        },
        tags=["zqxbeta-tag"],
    )
    world.tag = Tag.objects.get(tenant=tenant, name="zqxbeta-tag")
    lead_add_note(lead=world.lead, by=world.agent, note="zqxbeta private note")
    world.invitation = invitation_create(
        tenant=tenant, email="zqxbeta-invitee@beta.example", role=Role.AGENT, by=OPERATOR
    )
    world.membership_event = MembershipEvent.objects.filter(tenant=tenant).latest("pk")
    world.note_customer = CustomerFactory(
        tenant=tenant, first_name="Zqxbeta", last_name="Notee", email="zqxbeta-notee@beta.example"
    )
    world.note = note_create(
        tenant=tenant,
        by=world.agent,
        data={"customer": world.note_customer, "note": "zqxbeta note on a customer"},
    )
    world.segment = segment_create(
        tenant=tenant,
        by=OPERATOR,
        data={
            "name": "Zqxbeta segment",
            "description": "zqxbeta",
            "conditions": {"field": "first_name", "op": "eq", "value": "Zqxbeta"},
        },
    )
    segment_rebuild(segment_id=world.segment.pk)
    world.task = note_create(
        tenant=tenant,
        by=OPERATOR,
        data={
            "lead": world.lead,
            "note": "zqxbeta task on a lead",
            "is_task": True,
            "due_date": date(2020, 1, 1),  # overdue: on every My tasks count
            "assigned_to": world.agent.user,
        },
    )
    # An import of B's, with a refused row whose cells carry the marker (the error report).
    world.import_job = import_start(
        tenant=tenant,
        by=OPERATOR,
        kind="customers",
        file=b"first_name,email\nZqxbeta Imported,zqxbeta-imported@beta.example\n"
        b"Zqxbeta Refused,zqxbeta-not-an-email\n",
        filename="zqxbeta.csv",
        start_run=False,
    )
    import_run(job_id=world.import_job.pk)
    world.tag_rule = tag_rule_create(
        tenant=tenant,
        by=OPERATOR,
        data={
            "tag": "zqxbeta-ruled",
            "name": "Zqxbeta rule",
            "condition": {"field": "first_name", "op": "eq", "value": "Zqxbeta"},
        },
    )


def snapshot(world) -> tuple:
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
        Invitation.objects.get(pk=world.invitation.pk).status,
        MembershipEvent.objects.filter(tenant=world.lead.tenant).count(),
        tuple(
            Tag.objects.filter(tenant=world.lead.tenant)
            .order_by("pk")
            .values_list("pk", "name", "color", "description")
        ),
        tuple(lead.lead_tags.order_by("pk").values_list("tag_id", flat=True)),
        tuple(
            Segment.objects.filter(tenant=world.lead.tenant).values_list(
                "pk", "name", "conditions", "is_active", "status"
            )
        ),
        world.segment.memberships.count(),
        tuple(
            CustomerNote.objects.filter(tenant=world.lead.tenant)
            .order_by("pk")
            .values_list("pk", "note", "is_task", "is_completed", "due_date", "assigned_to")
        ),
        tuple(
            ImportJob.objects.filter(tenant=world.lead.tenant).values_list(
                "pk", "status", "created", "undone_at"
            )
        ),
        tuple(
            SmartTagRule.objects.filter(pk=world.tag_rule.pk).values_list(
                "tag_id", "name", "condition", "is_active", "untag_when_unmatched"
            )
        ),
    )


DETAIL_KWARGS = {
    LeadSourceViewSet: lambda w: {"source_code": w.source.source_code},
    LeadSubSourceViewSet: lambda w: {
        "source_code": w.source.source_code,
        "sub_source_code": w.sub.sub_source_code,
    },
    LeadChannelViewSet: lambda w: {"channel_code": w.channel.channel_code},
    LeadViewSet: lambda w: {"pk": w.lead.pk},
    MemberViewSet: lambda w: {"user_id": w.agent.user_id},
    NoteViewSet: lambda w: {"pk": w.task.pk},
    TagViewSet: lambda w: {"pk": w.tag.pk},
    SegmentViewSet: lambda w: {"pk": w.segment.pk},
    # tests/customfields/foreign.py builds tenant B's customer (with tags and custom values).
    CustomerTimelineViewSet: lambda w: {"pk": w.customer.pk},
    SmartTagRuleViewSet: lambda w: {"pk": w.tag_rule.pk},
    ImportViewSet: lambda w: {"pk": w.import_job.pk},
}
LIST_ONLY: set = set()

FOREIGN_POSTS = {
    "lead-list": lambda w, a: [
        {"first_name": "X", "email": "x@alpha.example", "source": w.source.source_code},
        {"first_name": "X", "email": "x@alpha.example", "channel": w.channel.channel_code},
        {"first_name": "X", "email": "x@alpha.example", "assigned_to": w.agent.user_id},
        {"first_name": "X", "email": "x@alpha.example", "sub_source": w.sub.sub_source_code},
    ],
    "lead-bulk-status": lambda w, a: [{"lead_ids": [w.lead.pk], "status": "WON"}],
    "note-list": lambda w, a: [
        {"customer": w.note_customer.pk, "note": "x"},
        {"lead": w.lead.pk, "note": "x"},
        {"lead": a.own_lead.pk, "note": "x", "customer": w.note_customer.pk},
        {
            "lead": a.own_lead.pk,
            "note": "x",
            "is_task": True,
            "due_date": "2030-01-01",
            "assigned_to": w.agent.user_id,
        },
    ],
    "segment-list": lambda w, a: [{"name": "X", "conditions": {"segment": w.segment.pk}}],
    "segment-preview": lambda w, a: [
        {"conditions": {"segment": w.segment.pk}},
        {"conditions": {}, "segment": w.segment.pk},
    ],
    "customer-bulk": lambda w, a: [
        {"customer_ids": [w.customer.pk], "add_tags": ["x"], "remove_tags": ["zqxbeta-vip"]},
        {"customer_ids": [w.note_customer.pk], "custom_fields": {w.definition.field_key: "x"}},
    ],
    "customer-bulk-delete": lambda w, a: [{"customer_ids": [w.customer.pk, w.note_customer.pk]}],
    "lead-assign": lambda w, a: [
        {"lead_ids": [w.lead.pk], "agent_id": a.user_id},
        {"lead_ids": [a.own_lead.pk], "agent_id": w.agent.user_id},
    ],
}
# A rule's tag is a name: the same name in tenant A is A's own tag.
# An import's rows become the caller's tenant's own (a file names no other tenant's object).
OWN_POSTS = {
    "lead-source-list",
    "lead-channel-list",
    "tag-list",
    "tag-rule-list",
    "customer-import",
    "lead-import",
}

_LEAD_FILTERS = {
    "source": lambda w: w.source.source_code,
    "sub_source": lambda w: w.sub.sub_source_code,
    "channel": lambda w: w.channel.channel_code,
    "assigned_to": lambda w: w.agent.user_id,
}
FOREIGN_FILTERS = {
    "lead-list": _LEAD_FILTERS,
    "lead-statistics": _LEAD_FILTERS,
    "lead-export": _LEAD_FILTERS,
    "customer-list": {"segment": lambda w: w.segment.pk},
    "customer-export": {"segment": lambda w: w.segment.pk},
    "note-list": {
        "customer": lambda w: w.note_customer.pk,
        "lead": lambda w: w.lead.pk,
        "assigned_to": lambda w: w.agent.user_id,
    },
}

ADMIN_OBJECTS = {
    LeadSource: lambda w: w.source,
    LeadSubSource: lambda w: w.sub,
    LeadChannel: lambda w: w.channel,
    Lead: lambda w: w.lead,
    CustomerNote: lambda w: w.task,
    Tag: lambda w: w.tag,
    Segment: lambda w: w.segment,
    Membership: lambda w: w.agent,
    Invitation: lambda w: w.invitation,
    MembershipEvent: lambda w: w.membership_event,
    SmartTagRule: lambda w: w.tag_rule,
    ImportJob: lambda w: w.import_job,
}
