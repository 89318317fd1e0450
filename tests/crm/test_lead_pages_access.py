"""The server-rendered lead pages: they render for members, stay inside the tenant, hide other
agents' leads, and write only through the services (signing in and the tenant switcher are
tests/tenancy/test_pages.py)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.forms import LeadForm
from crm.models import (
    ActivityKind,
    Lead,
    LeadActivity,
    LeadChannel,
    LeadSource,
    LeadStatus,
    LeadSubSource,
)
from crm.services.leads import EDITABLE_FIELDS, lead_create
from tests.factories import LeadFactory


@pytest.fixture
def login(client):
    def log_in(membership):
        client.force_login(membership.user)
        return client

    return log_in


def source(tenant, code):
    return LeadSource.objects.get(tenant=tenant, source_code=code, deleted_at__isnull=True)


def new_lead(**fields) -> dict:
    """The create form as the page submits it: selects always send a value."""
    return {"status": "NEW", "source": "WEBSITE", "call_attempts": 0, **fields}


def edit_data(lead, **changes) -> dict:
    """The edit form as the page fills it in, with `changes` applied."""
    data = {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "company": lead.company,
        "job_title": lead.job_title,
        "status": lead.status,
        "source": lead.source.source_code,
        "sub_source": lead.sub_source_id or "",
        "channel": lead.channel.channel_code if lead.channel else "",
        "assigned_to": lead.assigned_to_id or "",
        "lead_score": lead.lead_score,
        "call_attempts": lead.call_attempts,
        "tags": ", ".join(lead.tag_names()),
        "notes": lead.notes,
    }
    return {**data, **changes}


# ---------------------------------------------------------------------------------------------
# Sign-in and rendering


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("crm:lead-list", {}),
        ("crm:lead-create", {}),
        ("crm:lead-detail", {"pk": 1}),
        ("crm:lead-edit", {"pk": 1}),
        ("crm:source-performance", {}),
    ],
)
def test_anonymous_users_are_sent_to_the_login_page(client, db, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_each_page_renders_for_a_member(login, manager_a, tenant_a):
    client = login(manager_a)
    lead = LeadFactory(tenant=tenant_a)
    for url in (
        "/",
        reverse("crm:lead-list"),
        reverse("crm:lead-create"),
        reverse("crm:lead-detail", args=[lead.pk]),
        reverse("crm:lead-edit", args=[lead.pk]),
        reverse("crm:source-performance"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"alpha-manager" in response.content
        assert b"Manager" in response.content


def test_the_admin_link_is_for_tenant_admins_only(login, admin_a, agent_a):
    admin_url = reverse("admin:index").encode()
    assert admin_url in login(admin_a).get(reverse("crm:lead-list")).content
    assert admin_url not in login(agent_a).get(reverse("crm:lead-list")).content


# ---------------------------------------------------------------------------------------------
# Tenant and agent scoping


@pytest.mark.parametrize("name", ["crm:lead-detail", "crm:lead-edit"])
def test_another_tenants_lead_is_404(login, admin_a, tenant_b, name):
    foreign = LeadFactory(tenant=tenant_b)
    assert login(admin_a).get(reverse(name, args=[foreign.pk])).status_code == 404


@pytest.mark.parametrize(
    "name, data",
    [
        ("crm:lead-archive", {}),
        ("crm:lead-restore", {}),
        ("crm:lead-detail", {"note": "hello"}),
        ("crm:lead-edit", {"first_name": "Mallory", "status": "WON"}),
    ],
)
def test_another_tenants_lead_cannot_be_written(login, admin_a, tenant_b, name, data):
    foreign = LeadFactory(tenant=tenant_b)
    response = login(admin_a).post(reverse(name, args=[foreign.pk]), data)
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.archived_at is None and foreign.status == LeadStatus.NEW
    assert not foreign.activities.exists()


@pytest.mark.parametrize(
    "method, name",
    [("get", "crm:lead-detail"), ("get", "crm:lead-edit"), ("post", "crm:lead-archive")],
)
def test_an_agent_gets_404_for_another_agents_lead(
    login, agent_a, agent_a2, tenant_a, method, name
):
    theirs = LeadFactory(tenant=tenant_a, assigned_to=agent_a2.user)
    response = getattr(login(agent_a), method)(reverse(name, args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.archived_at is None


def test_an_agent_lists_own_and_unassigned_leads_only(login, agent_a, agent_a2, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Mine", assigned_to=agent_a.user)
    LeadFactory(tenant=tenant_a, first_name="Open")
    LeadFactory(tenant=tenant_a, first_name="Theirs", assigned_to=agent_a2.user)
    content = login(agent_a).get(reverse("crm:lead-list")).content.decode()
    assert "Mine" in content and "Open" in content
    assert "Theirs" not in content
    assert "<strong>2</strong> leads" in content


def test_the_list_and_its_dropdowns_never_show_another_tenant(
    login, admin_a, admin_b, tenant_a, tenant_b
):
    LeadFactory(tenant=tenant_a, first_name="Alphonse")
    LeadFactory(tenant=tenant_b, first_name="Betty")
    LeadSource.objects.create(tenant=tenant_b, source_code="BETA_FAIR", source_name="Beta fair")
    LeadChannel.objects.create(tenant=tenant_b, channel_code="BETA_TV", channel_name="Beta TV")
    LeadSubSource.objects.create(
        tenant=tenant_b,
        source=source(tenant_b, "SOCIAL"),
        sub_source_code="BETA_GRAM",
        sub_source_name="Betagram",
    )
    content = login(admin_a).get(reverse("crm:lead-list")).content.decode()
    assert "Alphonse" in content and "alpha-admin" in content and "WEBSITE" in content
    for foreign in ("Betty", "beta-admin", "BETA_FAIR", "BETA_TV", "BETA_GRAM"):
        assert foreign not in content
    # Member dropdowns (the assigned_to filter, the bulk assign control) hold user ids.
    assert f'<option value="{admin_a.user.pk}">alpha-admin</option>' in content
    assert f'<option value="{admin_b.user.pk}"' not in content


def test_a_foreign_filter_value_is_a_form_error(login, admin_a, tenant_b):
    LeadSource.objects.create(tenant=tenant_b, source_code="BETA_FAIR", source_name="Beta fair")
    response = login(admin_a).get(reverse("crm:lead-list"), {"source": "BETA_FAIR"})
    assert response.status_code == 200
    assert "Check the filters" in response.content.decode()
    assert not response.context["leads"]


# ---------------------------------------------------------------------------------------------
# The list: filters, ordering, paging, htmx


def test_filters_and_search_narrow_the_list(login, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Zelda", status=LeadStatus.CONTACTED)
    LeadFactory(tenant=tenant_a, first_name="Yorick", status=LeadStatus.NEW)
    client = login(manager_a)
    by_status = client.get(reverse("crm:lead-list"), {"status": "CONTACTED"})
    assert [lead.first_name for lead in by_status.context["leads"]] == ["Zelda"]
    by_search = client.get(reverse("crm:lead-list"), {"search": "yori"})
    assert [lead.first_name for lead in by_search.context["leads"]] == ["Yorick"]


def test_invalid_filter_input_shows_the_errors(login, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a)
    response = login(manager_a).get(
        reverse("crm:lead-list"), {"lead_score_min": "500", "created_after": "someday"}
    )
    content = response.content.decode()
    assert "Check the filters" in content
    assert "Score from: Ensure this value is less than or equal to 100." in content
    assert "Created from: Enter a valid date." in content
    assert not response.context["leads"]


def test_archived_leads_are_listed_only_on_request(login, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Gone", archived_at=timezone.now())
    client = login(manager_a)
    assert "Gone" not in client.get(reverse("crm:lead-list")).content.decode()
    shown = client.get(reverse("crm:lead-list"), {"include_archived": "on"})
    assert "Gone" in shown.content.decode()


def test_ordering_is_whitelisted(login, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Low", lead_score=10)
    LeadFactory(tenant=tenant_a, first_name="High", lead_score=90)
    client = login(manager_a)
    ordered = client.get(reverse("crm:lead-list"), {"ordering": "-lead_score"})
    assert [lead.first_name for lead in ordered.context["leads"]] == ["High", "Low"]
    ordered = client.get(reverse("crm:lead-list"), {"ordering": "lead_score"})
    assert [lead.first_name for lead in ordered.context["leads"]] == ["Low", "High"]
    unknown = client.get(reverse("crm:lead-list"), {"ordering": "assigned_to__password"})
    assert unknown.status_code == 200
    assert [lead.first_name for lead in unknown.context["leads"]] == ["High", "Low"]  # newest


def test_pages_of_25_50_or_100(login, manager_a, tenant_a):
    LeadFactory.create_batch(30, tenant=tenant_a)
    client = login(manager_a)
    first = client.get(reverse("crm:lead-list"))
    assert len(first.context["leads"]) == 25
    assert "<strong>30</strong> leads" in first.content.decode()
    assert len(client.get(reverse("crm:lead-list"), {"page": 2}).context["leads"]) == 5
    assert len(client.get(reverse("crm:lead-list"), {"page_size": 50}).context["leads"]) == 30
    odd = client.get(reverse("crm:lead-list"), {"page_size": 7, "page": "x"})
    assert len(odd.context["leads"]) == 25


def test_an_htmx_request_gets_only_the_results(login, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Partial")
    response = login(manager_a).get(reverse("crm:lead-list"), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "Partial" in content
    assert "<html" not in content and 'id="lead-filters"' not in content
    assert "HX-Request" in response["Vary"]


# ---------------------------------------------------------------------------------------------
# Create and edit


def test_create_with_an_error_shows_field_errors_and_writes_nothing(login, agent_a):
    client = login(agent_a)
    # Neither email nor phone: the service (the model's rule) refuses, the page shows why.
    response = client.post(reverse("crm:lead-create"), new_lead(first_name="Ada"))
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Give an email address or a phone number."]
    assert "nothing was saved" in response.content.decode()
    malformed = client.post(
        reverse("crm:lead-create"),
        new_lead(first_name="Ada", email="not-an-email"),
    )
    assert "email" in malformed.context["form"].errors
    assert not Lead.objects.exists()
    assert not LeadActivity.objects.exists()


def test_a_sub_source_of_another_source_is_a_field_error(login, agent_a, tenant_a):
    facebook = LeadSubSource.objects.get(tenant=tenant_a, sub_source_code="FACEBOOK")
    response = login(agent_a).post(
        reverse("crm:lead-create"),
        new_lead(first_name="Ada", email="ada@example.org", sub_source=facebook.pk),
    )
    assert (
        "FACEBOOK is not a sub-source of WEBSITE." in response.context["form"].errors["sub_source"]
    )
    assert not Lead.objects.exists()


def test_create_calls_the_service_and_shows_the_lead(login, agent_a, tenant_a):
    response = login(agent_a).post(
        reverse("crm:lead-create"),
        new_lead(
            first_name="Ada",
            last_name="Lovelace",
            email="ada@analytical.example",
            company="Engines Ltd",
            source="REFERRAL",
            assigned_to=agent_a.user.pk,
            tags="VIP, maths",
        ),
        follow=True,
    )
    lead = Lead.objects.get(tenant=tenant_a)
    assert response.redirect_chain[-1][0] == reverse("crm:lead-detail", args=[lead.pk])
    # Auto-scored: 50 + REFERRAL 20 + company 10 + business email 10 + vip 15 = 105 → 100.
    assert lead.lead_score == 100
    assert lead.tag_names() == ["maths", "vip"]
    assert lead.assigned_to == agent_a.user
    assert "Lead created by alpha-agent" in response.content.decode()


def test_an_agent_can_assign_a_new_lead_only_to_themselves(login, agent_a, agent_a2, manager_a):
    form = login(agent_a).get(reverse("crm:lead-create")).context["form"]
    assert list(form.fields["assigned_to"].queryset) == [agent_a.user]
    assert form["lead_score"].value() is None  # blank: the service scores the lead
    response = login(agent_a).post(
        reverse("crm:lead-create"),
        new_lead(first_name="Ada", email="ada@example.org", assigned_to=agent_a2.user.pk),
    )
    assert "assigned_to" in response.context["form"].errors
    assert not Lead.objects.exists()


def test_the_lead_form_offers_every_editable_field_in_order():
    # The customer link is made by converting the lead, not picked from a list of thousands;
    # the campaign attribution comes from the campaign (its tracking and the API).
    expected = [name for name in EDITABLE_FIELDS if name not in ("customer", "campaign")]
    assert [name for name in LeadForm.base_fields if name != "tags"] == expected


def test_create_offers_only_the_tenants_live_configuration(login, admin_a, tenant_b, admin_b):
    LeadSource.objects.create(tenant=tenant_b, source_code="BETA_FAIR", source_name="Beta fair")
    content = login(admin_a).get(reverse("crm:lead-create")).content.decode()
    assert "SOCIAL / FACEBOOK" in content
    assert "BETA_FAIR" not in content and "beta-admin" not in content


def test_edit_records_the_status_change_in_the_activity_log(login, agent_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a, lead_score=40)
    response = login(agent_a).post(
        reverse("crm:lead-edit", args=[lead.pk]),
        edit_data(lead, status=LeadStatus.CONTACTED),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("crm:lead-detail", args=[lead.pk])
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED and lead.contacted_at is not None
    activity = lead.activities.get()
    assert activity.kind == ActivityKind.STATUS
    assert activity.message == "status: NEW → CONTACTED"
    assert "status: NEW → CONTACTED" in response.content.decode()


def test_edit_with_an_error_keeps_the_saved_lead(login, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a, first_name="Kept", phone="")
    response = login(manager_a).post(
        reverse("crm:lead-edit", args=[lead.pk]),
        edit_data(lead, first_name="Changed", email="", phone=""),
    )
    assert response.context["form"].errors["email"] == ["Give an email address or a phone number."]
    assert "Edit Kept" in response.content.decode()
    lead.refresh_from_db()
    assert lead.first_name == "Kept"
    assert not lead.activities.exists()


def test_editing_an_archived_lead_is_refused_on_the_form(login, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a, archived_at=timezone.now())
    response = login(manager_a).post(
        reverse("crm:lead-edit", args=[lead.pk]), edit_data(lead, status=LeadStatus.WON)
    )
    assert "restore it before editing" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


# ---------------------------------------------------------------------------------------------
# Detail: notes, archive, restore


def test_notes_archive_and_restore(login, manager_a, tenant_a):
    client = login(manager_a)
    lead = LeadFactory(tenant=tenant_a)
    detail = reverse("crm:lead-detail", args=[lead.pk])
    client.post(detail, {"note": "Called, no answer."})
    client.post(reverse("crm:lead-archive", args=[lead.pk]))
    lead.refresh_from_db()
    assert lead.is_archived
    again = client.post(reverse("crm:lead-archive", args=[lead.pk]), follow=True)
    assert "already archived" in again.content.decode()
    client.post(reverse("crm:lead-restore", args=[lead.pk]))
    lead.refresh_from_db()
    assert not lead.is_archived
    kinds = list(lead.activities.order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == [ActivityKind.NOTE, ActivityKind.ARCHIVED, ActivityKind.RESTORED]
    assert "Called, no answer." in client.get(detail).content.decode()


def test_an_empty_note_is_a_form_error(login, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    response = login(manager_a).post(reverse("crm:lead-detail", args=[lead.pk]), {"note": " "})
    assert "note" in response.context["note_form"].errors
    assert not lead.activities.exists()


# ---------------------------------------------------------------------------------------------
# Bulk actions


def test_bulk_status_sets_the_status_with_a_note(login, agent_a, tenant_a):
    leads = LeadFactory.create_batch(2, tenant=tenant_a)
    back = reverse("crm:lead-list") + "?status=NEW"
    response = login(agent_a).post(
        reverse("crm:lead-bulk-status"),
        {
            "lead_ids": [lead.pk for lead in leads],
            "status": "QUALIFIED",
            "note": "Trade fair",
            "next": back,
        },
    )
    assert response.status_code == 302 and response["Location"] == back
    for lead in leads:
        lead.refresh_from_db()
        assert lead.status == LeadStatus.QUALIFIED
        assert lead.activities.get().message == "status: NEW → QUALIFIED — Trade fair"
    shown = login(agent_a).get(back)
    assert "Set 2 leads to Qualified." in shown.content.decode()


def test_bulk_status_with_a_lead_the_user_may_not_see_changes_nothing(
    login, agent_a, agent_a2, tenant_a, tenant_b
):
    mine = LeadFactory(tenant=tenant_a)
    theirs = LeadFactory(tenant=tenant_a, assigned_to=agent_a2.user)
    foreign = LeadFactory(tenant=tenant_b)
    response = login(agent_a).post(
        reverse("crm:lead-bulk-status"),
        {"lead_ids": [mine.pk, theirs.pk, foreign.pk], "status": "WON"},
        follow=True,
    )
    assert "Unknown or archived lead ids" in response.content.decode()
    assert not Lead.objects.filter(status=LeadStatus.WON).exists()


def test_bulk_without_a_selection_says_so(login, manager_a):
    response = login(manager_a).post(
        reverse("crm:lead-bulk-status"), {"status": "WON"}, follow=True
    )
    assert "Select at least one lead." in response.content.decode()


def test_bulk_assign_by_a_manager_assigns(login, manager_a, agent_a, tenant_a):
    leads = LeadFactory.create_batch(2, tenant=tenant_a)
    response = login(manager_a).post(
        reverse("crm:lead-bulk-assign"),
        {"lead_ids": [lead.pk for lead in leads], "agent": agent_a.user.pk},
        follow=True,
    )
    assert "Assigned 2 leads to alpha-agent." in response.content.decode()
    assert set(Lead.objects.values_list("assigned_to", flat=True)) == {agent_a.user.pk}


def test_bulk_assign_by_an_agent_is_refused(login, agent_a, agent_a2, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    response = login(agent_a).post(
        reverse("crm:lead-bulk-assign"), {"lead_ids": [lead.pk], "agent": agent_a2.user.pk}
    )
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.assigned_to is None


def test_the_assign_control_is_shown_to_managers_only(login, manager_a, agent_a):
    assert b"Assign to" in login(manager_a).get(reverse("crm:lead-list")).content
    assert b"Assign to" not in login(agent_a).get(reverse("crm:lead-list")).content


def test_bulk_assign_to_a_foreign_user_is_refused(login, manager_a, admin_b, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    response = login(manager_a).post(
        reverse("crm:lead-bulk-assign"),
        {"lead_ids": [lead.pk], "agent": admin_b.user.pk},
        follow=True,
    )
    assert "Select a valid choice" in response.content.decode()
    lead.refresh_from_db()
    assert lead.assigned_to is None


def test_bulk_redirects_only_inside_the_site(login, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    response = login(manager_a).post(
        reverse("crm:lead-bulk-status"),
        {"lead_ids": [lead.pk], "status": "WON", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("crm:lead-list")


# ---------------------------------------------------------------------------------------------
# Source performance


def test_source_performance_shows_metrics_and_charts(login, manager_a, tenant_a):
    social = source(tenant_a, "SOCIAL")
    facebook = LeadSubSource.objects.get(tenant=tenant_a, sub_source_code="FACEBOOK")
    for status in (LeadStatus.WON, LeadStatus.NEW):
        lead_create(
            tenant=tenant_a,
            by=manager_a,
            data={
                "first_name": "F",
                "email": "f@example.org",
                "source": social,
                "sub_source": facebook,
                "status": status,
            },
        )
    response = login(manager_a).get(reverse("crm:source-performance"), {"source": "SOCIAL"})
    content = response.content.decode()
    performance = response.context["performance"]
    assert performance["leads_generated"] == 2 and performance["conversion_rate"] == 50.0
    assert content.count("<svg") == 2
    assert "Facebook (FACEBOOK)" in content
    assert "docs/metrics.md" in content


def test_source_performance_defaults_to_the_default_source(login, agent_a):
    response = login(agent_a).get(reverse("crm:source-performance"))
    assert response.context["performance"]["source_code"] == "WEBSITE"


def test_source_performance_shows_date_errors(login, agent_a):
    response = login(agent_a).get(
        reverse("crm:source-performance"),
        {"source": "WEBSITE", "start_date": "2024-05-10", "end_date": "2024-05-01"},
    )
    assert response.context["performance"] is None
    assert "The start date is after the end date." in response.content.decode()
    bad = login(agent_a).get(reverse("crm:source-performance"), {"start_date": "May"})
    assert "Use a date in YYYY-MM-DD form." in bad.content.decode()


def test_source_performance_refuses_another_tenants_source(login, agent_a, tenant_b):
    LeadSource.objects.create(tenant=tenant_b, source_code="BETA_FAIR", source_name="Beta fair")
    response = login(agent_a).get(reverse("crm:source-performance"), {"source": "BETA_FAIR"})
    content = response.content.decode()
    assert response.context["performance"] is None
    assert "Select a valid choice" in content and "BETA_FAIR" not in content


def test_the_list_queries_do_not_grow_with_the_rows(login, manager_a, tenant_a):
    client = login(manager_a)
    counts = []
    for batch in (1, 24):
        LeadFactory.create_batch(batch, tenant=tenant_a, assigned_to=manager_a.user)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("crm:lead-list"))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_times_are_shown_and_read_in_the_tenants_zone(login, manager_a, tenant_a):
    tenant_a.timezone = "Asia/Tokyo"
    tenant_a.save()
    created = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    lead = LeadFactory(tenant=tenant_a, created_at=created)
    client = login(manager_a)
    assert (
        "2026-03-02 08:30"
        in client.get(reverse("crm:lead-detail", args=[lead.pk])).content.decode()
    )
    client.post(
        reverse("crm:lead-edit", args=[lead.pk]),
        edit_data(lead, next_follow_up_date="2026-03-05T09:00:00"),
    )
    lead.refresh_from_db()
    assert lead.next_follow_up_date == datetime(2026, 3, 5, 0, 0, tzinfo=UTC)


def test_a_doubled_minus_in_the_sort_is_ignored_not_a_crash(login, manager_a):
    response = login(manager_a).get(reverse("crm:lead-list"), {"ordering": "--lead_score"})
    assert response.status_code == 200
