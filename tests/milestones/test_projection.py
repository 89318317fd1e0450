"""The open steps kept as rows (LeadOpenStep) against their full computation
(milestones.selectors.open_steps), as ARCHITECTURE rule 6 asks of a projection: seeded random
sequences of changes, each through the services the pages, the API, the admin and the imports
call, and after every change the rows of both tenants equal the computation, lead by lead.

A failure names the seed and the step: `SEED=n` in the message replays it."""

import io
import random
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import Client
from django.utils import timezone

from crm.models import Customer, Lead, LeadStatus
from crm.services.leads import (
    lead_archive,
    lead_bulk_status,
    lead_create,
    lead_restore,
    lead_update,
)
from crm.services.merge import customer_merge
from crm.signals import announce_leads_changed
from milestones.models import (
    INITIAL_STATUSES,
    LeadMilestone,
    LeadOpenStep,
    MilestoneStatus,
    MilestoneTemplate,
    MilestoneType,
)
from milestones.selectors.open_steps import (
    kept_open_steps,
    lead_open_steps,
    open_lead_steps,
    open_steps,
)
from milestones.services.config import (
    TYPES,
    lead_template_set,
    template_create,
    template_update,
)
from milestones.services.lead_milestones import (
    milestone_delete,
    milestone_record,
    milestone_set_status,
    milestone_update,
)
from milestones.services.projection import open_steps_rebuild
from tenancy.services.config_entries import (
    config_entry_create,
    config_entry_delete,
    config_entry_update,
)
from tenancy.services.tenants import tenant_update
from tests.crm.imports import run_import, undo
from tests.factories import CustomerFactory, LeadFactory

STEPS_PER_SEED = 70
SEEDS = range(4)
ZONES = ["UTC", "America/New_York", "Asia/Tokyo", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
STATUSES = list(LeadStatus.values)
FOLLOW_UP = {"type_code": "FOLLOW_UP", "type_name": "Follow-up", "sla_days": 3}


def computed(tenant) -> dict:
    return open_lead_steps(tenant=tenant)


def kept(tenant) -> dict:
    return kept_open_steps(tenant=tenant)


def assert_equal(tenants, where: str) -> None:
    assert not LeadOpenStep.objects.exclude(tenant=F("lead__tenant")).exists(), where
    for tenant in tenants:
        tenant.refresh_from_db()
        want, have = computed(tenant), kept(tenant)
        if want != have:
            missing = {k: v for k, v in want.items() if have.get(k) != v}
            extra = {k: v for k, v in have.items() if want.get(k) != v}
            pytest.fail(f"{where} ({tenant.slug}): computed {missing}, kept {extra}")


def assert_each_lead_reads_its_computation(tenants, where: str) -> None:
    """What a lead's timeline reads (its kept rows when open) is its open steps computed alone,
    for every lead (test_timeline.py has a closed and an archived lead's open record)."""

    def ordered(steps):
        return sorted(steps, key=lambda step: (step.milestone_type_id, step.is_expected))

    for tenant in tenants:
        for lead in Lead.objects.for_tenant(tenant):
            have = ordered(lead_open_steps(tenant=tenant, lead=lead))
            want = ordered(open_steps(tenant=tenant, leads=lead))
            assert have == want, f"{where} ({tenant.slug}, lead {lead.pk})"


class World:
    """Random changes to two tenants, each through a service (a refused change writes nothing,
    which the comparison proves too)."""

    def __init__(self, rng: random.Random, tenants, members):
        self.rng = rng
        self.tenants = tenants
        self.members = members
        self.today = timezone.localdate()

    def tenant(self):
        return self.rng.choice(self.tenants)

    def lead(self, tenant, **filters):
        ids = list(Lead.objects.for_tenant(tenant).filter(**filters).values_list("pk", flat=True))
        return Lead.objects.get(pk=self.rng.choice(ids)) if ids else None

    def types(self, tenant):
        return list(MilestoneType.objects.for_tenant(tenant).live().filter(is_active=True))

    def day(self):
        return self.today - timedelta(days=self.rng.randint(0, 40))

    # -- leads ----------------------------------------------------------------------------

    def create_lead(self, tenant):
        lead = lead_create(
            tenant=tenant,
            by=self.members[tenant.pk],
            data={
                "first_name": "R",
                "email": f"r{self.rng.randint(0, 10**9)}@example.com",
                "status": self.rng.choice(STATUSES),
            },
        )
        # a lead of some days ago (its creation day starts its first step)
        days = self.rng.randint(0, 30)
        Lead.objects.filter(pk=lead.pk).update(created_at=F("created_at") - timedelta(days=days))
        # a write the app does not make: announced as the factories do
        announce_leads_changed(tenant=tenant, lead_ids=[lead.pk])

    def lead_status(self, tenant):
        if lead := self.lead(tenant, archived_at__isnull=True):
            lead_update(lead=lead, by=self.members[tenant.pk], data={"status": self.pick_status()})

    def pick_status(self):
        return self.rng.choice(STATUSES)

    def bulk_status(self, tenant):
        ids = list(
            Lead.objects.for_tenant(tenant)
            .filter(archived_at__isnull=True)
            .values_list("pk", flat=True)
        )
        if ids:
            chosen = self.rng.sample(ids, min(len(ids), self.rng.randint(1, 4)))
            lead_bulk_status(
                tenant=tenant,
                by=self.members[tenant.pk],
                lead_ids=chosen,
                status=self.pick_status(),
            )

    def archive(self, tenant):
        if lead := self.lead(tenant, archived_at__isnull=True):
            lead_archive(lead=lead, by=self.members[tenant.pk])

    def restore(self, tenant):
        if lead := self.lead(tenant, archived_at__isnull=False):
            lead_restore(lead=lead, by=self.members[tenant.pk])

    def import_leads(self, tenant):
        rows = "\n".join(
            f"Imp{i},Row,imp{self.rng.randint(0, 10**9)}@example.com,{self.pick_status()}"
            for i in range(self.rng.randint(1, 3))
        )
        job = run_import(
            tenant,
            self.members[tenant.pk],
            "first_name,last_name,email,status\n" + rows,
            filename="leads.csv",
            kind="leads",
        )
        if self.rng.random() < 0.4:
            undo(job, self.members[tenant.pk])

    def merge_customers(self, tenant):
        """A merge moves the duplicates' leads to the kept customer."""
        lead_a, lead_b = self.lead(tenant), self.lead(tenant)
        if lead_a is None or lead_a.is_archived or lead_b.is_archived:
            return
        keep, dup = CustomerFactory(tenant=tenant), CustomerFactory(tenant=tenant)
        by = self.members[tenant.pk]
        lead_update(lead=lead_a, by=by, data={"customer": keep})
        if lead_b.pk != lead_a.pk:
            lead_update(lead=lead_b, by=by, data={"customer": dup})
        customer_merge(tenant=tenant, by=by, keep=keep, duplicates=[dup.pk])
        assert not Customer.objects.filter(pk=dup.pk).exists()

    # -- milestones -----------------------------------------------------------------------

    def record(self, tenant):
        if lead := self.lead(tenant, archived_at__isnull=True):
            milestone_record(
                lead=lead,
                by=self.members[tenant.pk],
                data={
                    "milestone_type": self.rng.choice(self.types(tenant)),
                    "status": self.rng.choice(INITIAL_STATUSES),
                    "achieved_date": self.day(),
                },
            )

    def _milestone(self, tenant, **filters):
        ids = list(
            LeadMilestone.objects.filter(tenant=tenant, **filters).values_list("pk", flat=True)
        )
        return LeadMilestone.objects.get(pk=self.rng.choice(ids)) if ids else None

    def move(self, tenant):
        milestone = self._milestone(tenant, status__in=MilestoneStatus.values[:2])
        if milestone is not None:
            milestone_set_status(
                milestone=milestone,
                by=self.members[tenant.pk],
                status=self.rng.choice(milestone.next_statuses()),
                achieved_date=self.day() if self.rng.random() < 0.7 else None,
            )

    def edit(self, tenant):
        if milestone := self._milestone(tenant):
            milestone_update(
                milestone=milestone, by=self.members[tenant.pk], data={"achieved_date": self.day()}
            )

    def remove(self, tenant):
        if milestone := self._milestone(tenant):
            milestone_delete(milestone=milestone, by=self.members[tenant.pk])

    # -- configuration --------------------------------------------------------------------

    def _templates(self, tenant):
        return list(MilestoneTemplate.objects.for_tenant(tenant).live())

    def choose_template(self, tenant):
        lead = self.lead(tenant, archived_at__isnull=True)
        if lead is not None:
            template = self.rng.choice([None, *self._templates(tenant)])
            lead_template_set(lead=lead, by=self.members[tenant.pk], template=template)

    def _sequence(self, tenant):
        codes = [t.type_code for t in self.types(tenant)]
        return self.rng.sample(codes, self.rng.randint(1, len(codes)))

    def new_template(self, tenant):
        template_create(
            tenant=tenant,
            by=self.members[tenant.pk],
            data={
                "template_name": f"T{self.rng.randint(0, 10**9)}",
                "is_default": self.rng.random() < 0.3,
            },
            sequence=self._sequence(tenant),
        )

    def change_template(self, tenant):
        template = self.rng.choice(self._templates(tenant))
        data = {"is_default": True} if self.rng.random() < 0.3 else {}
        sequence = self._sequence(tenant) if self.rng.random() < 0.8 else None
        template_update(template=template, by=self.members[tenant.pk], data=data, sequence=sequence)

    def delete_template(self, tenant):
        template = self.rng.choice(self._templates(tenant))
        config_entry_delete(template, by=self.members[tenant.pk])

    def change_sla(self, tenant):
        milestone_type = self.rng.choice(self.types(tenant))
        sla = self.rng.choice([None, 0, 1, 3, 10])
        config_entry_update(milestone_type, data={"sla_days": sla}, by=self.members[tenant.pk])

    def change_zone(self, tenant):
        tenant_update(tenant=tenant, data={"timezone": self.rng.choice(ZONES)})

    OPERATIONS = {
        "create_lead": 8,
        "lead_status": 6,
        "bulk_status": 3,
        "archive": 2,
        "restore": 2,
        "import_leads": 2,
        "merge_customers": 1,
        "record": 14,
        "move": 10,
        "edit": 3,
        "remove": 2,
        "choose_template": 4,
        "new_template": 1,
        "change_template": 2,
        "delete_template": 1,
        "change_sla": 2,
        "change_zone": 1,
    }

    def step(self) -> str:
        names = list(self.OPERATIONS)
        name = self.rng.choices(names, weights=[self.OPERATIONS[n] for n in names])[0]
        return self.run(name, self.tenant())

    def run(self, name: str, tenant) -> str:
        try:
            getattr(self, name)(tenant)
        except ValidationError:
            return f"{name} (refused)"
        return name


@pytest.fixture
def world_members(tenant_a, tenant_b, admin_a, admin_b):
    tenant_a.timezone = "America/New_York"
    tenant_a.save()
    for tenant, admin in ((tenant_a, admin_a), (tenant_b, admin_b)):
        # a type outside the default template: its open records are open steps too
        config_entry_create(TYPES, tenant=tenant, by=admin, data=FOLLOW_UP)
    return {tenant_a.pk: admin_a, tenant_b.pk: admin_b}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_open_steps_kept_equal_their_computation_after_random_changes(
    seed, tenant_a, tenant_b, world_members
):
    world = World(random.Random(seed), [tenant_a, tenant_b], world_members)
    done: Counter = Counter()
    for number in range(STEPS_PER_SEED):
        name = world.step()
        done[name] += 1
        assert_equal([tenant_a, tenant_b], f"SEED={seed}, step {number}: {name}")
        assert_each_lead_reads_its_computation(
            [tenant_a, tenant_b], f"SEED={seed}, step {number}: {name}"
        )
    # the sequence did reach the states it is about
    assert LeadOpenStep.objects.filter(is_expected=True).exists()
    assert LeadOpenStep.objects.exclude(status="").exists()
    assert done["record"] and done["create_lead"]
    # and the rebuild command gives the same rows
    before = {t.pk: kept(t) for t in (tenant_a, tenant_b)}
    call_command("rebuild_next_steps", stdout=io.StringIO())
    assert {t.pk: kept(t) for t in (tenant_a, tenant_b)} == before


def test_a_rebuild_repairs_rows_written_around_the_services(tenant_a, world_members):
    world = World(random.Random(99), [tenant_a], world_members)
    for _ in range(15):
        world.run("create_lead", tenant_a)
        world.run("record", tenant_a)
    LeadOpenStep.objects.filter(tenant=tenant_a).update(due_date=None)
    LeadOpenStep.objects.filter(tenant=tenant_a, is_expected=False).delete()
    assert kept(tenant_a) != computed(tenant_a)
    open_steps_rebuild(tenant=tenant_a)
    assert kept(tenant_a) == computed(tenant_a) != {}


def test_the_rows_belong_to_their_leads_tenant_only(tenant_a, tenant_b, world_members):
    """A rebuild of one tenant never touches another's rows, and each row is its lead's
    tenant's."""
    for tenant in (tenant_a, tenant_b):
        world = World(random.Random(tenant.pk), [tenant], world_members)
        for _ in range(10):
            world.run("create_lead", tenant)
            world.run("record", tenant)
    theirs = kept(tenant_b)
    open_steps_rebuild(tenant=tenant_a)
    LeadOpenStep.objects.filter(tenant=tenant_a).delete()
    assert kept(tenant_b) == theirs != {}
    assert not LeadOpenStep.objects.exclude(tenant=F("lead__tenant")).exists()


def test_the_command_rebuilds_one_tenant_or_all(tenant_a, tenant_b, world_members):
    for tenant in (tenant_a, tenant_b):
        world = World(random.Random(7), [tenant], world_members)
        for _ in range(5):
            world.run("create_lead", tenant)
    LeadOpenStep.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_next_steps", "--tenant", "alpha", stdout=out)
    assert out.getvalue().startswith(f"alpha: {len(computed(tenant_a))} open steps")
    assert kept(tenant_a) == computed(tenant_a) and kept(tenant_b) == {}
    call_command("rebuild_next_steps", stdout=io.StringIO())
    assert kept(tenant_b) == computed(tenant_b) != {}
    with pytest.raises(CommandError):
        call_command("rebuild_next_steps", "--tenant", "nope")


def test_the_overdue_list_shows_only_its_tenants_leads(api, manager_a, admin_b, tenant_b):
    """Both tenants have overdue steps (each lead's LEAD_GENERATED was due the day after it came
    in); each list, page and API, shows its own only."""
    ours = LeadFactory(tenant=manager_a.tenant, created_at=timezone.now() - timedelta(days=9))
    theirs = LeadFactory(tenant=tenant_b, created_at=timezone.now() - timedelta(days=9))
    for member, mine, other in ((manager_a, ours, theirs), (admin_b, theirs, ours)):
        rows = api(member).get("/api/v1/customization/milestones/overdue/").json()["results"]
        assert [row["lead_id"] for row in rows] == [mine.pk]
        client = Client()
        client.force_login(member.user)
        page = client.get("/milestones/overdue/").content.decode()
        assert mine.get_absolute_url() in page and other.get_absolute_url() not in page
