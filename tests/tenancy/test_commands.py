"""The operator's commands: create_tenant makes a tenant with every app's defaults and its first
admin, and refuses bad input (slug, time zone, currency, industry, a taken slug) writing
nothing; add_member adds a member or changes their role, the staff flag following the admin
role."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from crm.models import LeadChannel, LeadSource, LeadSubSource
from tenancy.models import Membership, Tenant


def run(*args):
    call_command(*args)


def test_create_tenant_with_defaults_and_an_admin(db):
    run(
        "create_tenant",
        "acme",
        "--name",
        "Acme Inc",
        "--industry",
        "retail",
        "--admin-username",
        "boss",
        "--admin-password",
        "pw-123456",
        "--admin-email",
        "b@acme.io",
    )
    tenant = Tenant.objects.get(slug="acme")
    assert (tenant.name, tenant.industry) == ("Acme Inc", "retail")
    codes = set(LeadSource.objects.filter(tenant=tenant).values_list("source_code", flat=True))
    assert codes == {"WEBSITE", "EMAIL", "SOCIAL", "REFERRAL"}
    assert LeadSource.objects.get(tenant=tenant, is_default=True).source_code == "WEBSITE"
    subs = LeadSubSource.objects.filter(tenant=tenant, source__source_code="SOCIAL")
    assert set(subs.values_list("sub_source_code", flat=True)) == {"FACEBOOK", "LINKEDIN"}
    assert LeadChannel.objects.filter(tenant=tenant).count() == 4
    user = authenticate(username="boss", password="pw-123456")
    assert user is not None and user.is_staff and not user.is_superuser
    assert Membership.objects.get(user=user).role == "admin"


@pytest.mark.parametrize(
    "args, message",
    [
        (["Bad Slug!", "--name", "X"], "slug"),
        (["ok", "--name", "X", "--timezone", "Mars/Base"], "timezone"),
        (["ok", "--name", "X", "--currency", "dollars"], "currency"),
    ],
)
def test_create_tenant_refuses_bad_input_and_writes_nothing(db, args, message):
    with pytest.raises(CommandError, match=message):
        run("create_tenant", *args, "--admin-username", "u", "--admin-password", "pw-123456")
    assert not Tenant.objects.exists()
    assert not get_user_model().objects.exists()


def test_create_tenant_refuses_a_taken_slug(db):
    run(
        "create_tenant",
        "acme",
        "--name",
        "A",
        "--admin-username",
        "a",
        "--admin-password",
        "pass-word-1",
    )
    with pytest.raises(CommandError, match="slug"):
        run(
            "create_tenant", "acme", "--name", "B", "--admin-username", "b", "--admin-password", "p"
        )
    assert not get_user_model().objects.filter(username="b").exists()


def test_unknown_industry_is_refused(db):
    with pytest.raises(CommandError):
        run(
            "create_tenant",
            "x",
            "--name",
            "X",
            "--industry",
            "piracy",
            "--admin-username",
            "u",
            "--admin-password",
            "p",
        )


def test_add_member_creates_or_updates(tenant_a):
    run("add_member", "alpha", "kim", "--role", "agent", "--password", "pw-123456")
    assert Membership.objects.get(user__username="kim").role == "agent"
    run("add_member", "alpha", "kim", "--role", "admin")
    kim = get_user_model().objects.get(username="kim")
    assert Membership.objects.get(user=kim).role == "admin" and kim.is_staff
    run("add_member", "alpha", "kim", "--role", "manager")
    kim.refresh_from_db()
    assert not kim.is_staff  # no longer an admin anywhere


def test_add_member_errors(tenant_a):
    with pytest.raises(CommandError, match="No tenant"):
        run("add_member", "nowhere", "kim", "--role", "agent", "--password", "p")
    with pytest.raises(CommandError, match="password"):
        run("add_member", "alpha", "newcomer", "--role", "agent")
    with pytest.raises(CommandError):
        run("add_member", "alpha", "kim", "--role", "king", "--password", "p")
    assert not get_user_model().objects.filter(username__in=["kim", "newcomer"]).exists()
