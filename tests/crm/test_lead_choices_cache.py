"""The leads page's filter lists and bulk assign members from the shared cache (crm.lead_choices,
tenancy.forms.choices_from_cache): the same markup as Django draws from the querysets, one
cache read for all of them, each tenant its own, and current after every kind of change."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.lead_choices import LEAD_CHOICES
from crm.models import LeadChannel, LeadSource
from crm.services.sources import CHANNELS, SOURCES, SUB_SOURCES
from tenancy.actors import OPERATOR
from tenancy.caching import cached_rows
from tenancy.services.config_entries import (
    config_entry_create,
    config_entry_delete,
    config_entry_update,
)
from tenancy.services.members import membership_update
from tests.factories import make_member

LISTS = ("source", "sub_source", "channel", "assigned_to", "agent")


def lists(response) -> dict[str, str]:
    """Each list's markup on the page: the selects and the sub-source ticks."""
    html = response.content.decode()
    found = {}
    for name in LISTS:
        select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
        if select:
            found[name] = select.group(0)
    ticks = re.findall(r'<input type="checkbox" name="sub_source"[^>]*>', html)
    found["sub_source"] = "".join(ticks)
    return found


@pytest.fixture
def page(login, manager_a):
    client = login(manager_a)
    return lambda **params: client.get(reverse("crm:lead-list"), params)


def created(commits, spec, tenant, **data):
    """A config entry made by the service, its commit's bumps run."""
    parents = {"source": data.pop("source")} if "source" in data else {}
    return commits(
        lambda: config_entry_create(spec, tenant=tenant, data=data, by=OPERATOR, **parents)
    )


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run the bumps a change registers for after its commit, as a real commit would."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            return change()

    return run


def test_the_cached_lists_are_the_markup_django_draws(page, monkeypatch):
    cold = lists(page(source="", assigned_to=""))
    warm = lists(page(source="", assigned_to=""))
    assert cold == warm and all(cold.values())

    def from_querysets(fields, **kwargs):  # Django's own choice iterators, no cache
        for field in fields.values():
            field.widget.choices = field.choices

    monkeypatch.setattr("crm.views.leads.choices_from_cache", from_querysets)
    assert lists(page(source="", assigned_to="")) == cold


def test_a_chosen_value_is_still_selected(page, tenant_a):
    page()
    source = LeadSource.objects.filter(tenant=tenant_a, deleted_at__isnull=True).first()
    select = lists(page(source=source.source_code))["source"]
    assert f'<option value="{source.source_code}" selected>' in select


def test_a_warm_page_reads_the_lists_in_one_cache_read(page):
    page()
    with CaptureQueriesContext(connection) as queries:
        page()
    sql = [q["sql"] for q in queries]
    assert not any('FROM "crm_leadsource"' in s or 'FROM "crm_leadchannel"' in s for s in sql)
    assert sum("atrium_cache" in s for s in sql) == 1  # the tests' cache is the database's


def test_each_tenant_has_its_own_lists(page, admin_b, tenant_b, commits):
    created(commits, SOURCES, tenant_b, source_code="BETAONLY", source_name="Beta only")
    make_member(tenant_b, "beta-agent-only")
    beta = Client()
    beta.force_login(admin_b.user)
    assert "BETAONLY" in lists(beta.get(reverse("crm:lead-list")))["source"]  # now cached
    ours = lists(page())
    assert "BETAONLY" not in ours["source"] and "Beta only" not in ours["source"]
    assert "beta-agent-only" not in ours["assigned_to"]


def test_changes_show_on_the_next_request(page, tenant_a, manager_a, commits):
    page()
    source = created(commits, SOURCES, tenant_a, source_code="FAIR", source_name="Trade fair")
    assert "Trade fair (FAIR)" in lists(page())["source"]
    created(
        commits,
        SUB_SOURCES,
        tenant_a,
        source=source,
        sub_source_code="BOOTH",
        sub_source_name="Booth",
    )
    assert 'value="BOOTH"' in lists(page())["sub_source"]
    commits(lambda: config_entry_update(source, data={"source_name": "Spring fair"}, by=OPERATOR))
    assert "Spring fair (FAIR)" in lists(page())["source"]
    commits(lambda: config_entry_delete(source, by=OPERATOR))  # its sub-sources go with it
    shown = lists(page())
    assert "FAIR" not in shown["source"] and 'value="BOOTH"' not in shown["sub_source"]

    channel = created(commits, CHANNELS, tenant_a, channel_code="FAX", channel_name="Fax")
    assert "Fax (FAX)" in lists(page())["channel"]
    assert LeadChannel.objects.filter(pk=channel.pk).exists()

    member = commits(lambda: make_member(tenant_a, "newcomer"))
    shown = lists(page())
    assert "newcomer" in shown["assigned_to"] and "newcomer" in shown["agent"]
    user = member.user
    user.username = "renamed-newcomer"
    commits(lambda: user.save())
    assert "renamed-newcomer" in lists(page())["assigned_to"]
    commits(lambda: membership_update(membership=member, by=OPERATOR, is_active=False))
    shown = lists(page())
    assert "newcomer" not in shown["assigned_to"] and "newcomer" not in shown["agent"]


def test_a_sign_in_bumps_nothing(manager_a, tenant_a, commits):
    from django.contrib.auth.models import update_last_login

    calls = []
    computes = {"rows": lambda: calls.append(1) or [1]}
    cached_rows(tenant_id=tenant_a.pk, scope=LEAD_CHOICES, computes=computes)
    commits(lambda: update_last_login(None, manager_a.user))
    cached_rows(tenant_id=tenant_a.pk, scope=LEAD_CHOICES, computes=computes)
    assert calls == [1]
    commits(lambda: manager_a.user.save())  # any other save of the user does
    cached_rows(tenant_id=tenant_a.pk, scope=LEAD_CHOICES, computes=computes)
    assert calls == [1, 1]
