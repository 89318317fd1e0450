"""Walks every admin model with two tenants: a tenant admin never sees, reaches or picks
tenant B's rows (changelists, search, change/delete/history views, add-form dropdowns,
autocomplete, list filters), and a superuser sees every tenant with a tenant column."""

import pytest
from django.contrib import admin
from django.urls import reverse

from crm.models import Lead, LeadChannel, LeadSource, LeadSubSource, Membership, Tenant
from tests.crm.tenancy_world import MARKER, build_foreign_world, snapshot
from tests.factories import LeadFactory, UserFactory

FOREIGN_OBJECT = {
    LeadSource: lambda w: w.source,
    LeadSubSource: lambda w: w.sub,
    LeadChannel: lambda w: w.channel,
    Lead: lambda w: w.lead,
    Membership: lambda w: w.agent,
}


def tenant_admins():
    for model, model_admin in admin.site._registry.items():
        if any(f.name == "tenant" for f in model._meta.fields):
            yield model, model_admin


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def world(tenant_b):
    return build_foreign_world(tenant_b)


@pytest.fixture
def alpha(client, admin_a, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Alpha")
    client.force_login(admin_a.user)
    return client


def assert_clean(response):
    assert MARKER not in response.content.decode().lower()


def test_every_tenant_owned_admin_is_covered():
    for model, _ in tenant_admins():
        assert model in FOREIGN_OBJECT, f"add {model.__name__} to FOREIGN_OBJECT"


def test_changelists_search_and_add_forms_hide_foreign_rows(alpha, world):
    for model, _ in tenant_admins():
        response = alpha.get(url(model, "changelist"))
        assert response.status_code == 200, model
        assert_clean(response)
        assert alpha.get(url(model, "changelist"), {"q": MARKER}).context["cl"].result_count == 0
        response = alpha.get(url(model, "add"))
        assert response.status_code == 200, model
        assert_clean(response)


def test_foreign_objects_are_404(alpha, world):
    before = snapshot(world)
    for model, _ in tenant_admins():
        pk = FOREIGN_OBJECT[model](world).pk
        for view in ("change", "delete", "history"):
            assert alpha.get(url(model, view, pk)).status_code == 404, (model, view)
            assert alpha.post(url(model, view, pk), {"post": "yes"}).status_code == 404
    assert snapshot(world) == before


def test_bulk_delete_action_ignores_foreign_ids(alpha, world):
    before = snapshot(world)
    response = alpha.post(
        url(Lead, "changelist"),
        {"action": "delete_selected", "_selected_action": [world.lead.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert snapshot(world) == before


def test_autocomplete_offers_only_own_rows(alpha, world):
    for model, model_admin in tenant_admins():
        for field_name in model_admin.autocomplete_fields:
            response = alpha.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field_name,
                    "term": "",
                },
            )
            assert response.status_code == 200, (model, field_name)
            assert_clean(response)
            assert response.json()["results"], (model, field_name)


def test_list_filters_list_only_own_related_rows(alpha, world, tenant_a, admin_a):
    LeadFactory(tenant=tenant_a, assigned_to=admin_a.user)
    response = alpha.get(url(Lead, "changelist"))
    assert "alpha-admin" in response.content.decode()
    assert_clean(response)


def test_saving_with_foreign_choices_is_refused(alpha, world, tenant_a):
    count = Lead.objects.count()
    response = alpha.post(
        url(Lead, "add"),
        {
            "first_name": "Mallory",
            "email": "m@alpha.example",
            "status": "NEW",
            "source": world.source.pk,
            "assigned_to": world.agent.user_id,
            "call_attempts": 0,
            "activities-TOTAL_FORMS": 0,
            "activities-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {"source", "assigned_to"} <= set(form.errors)
    assert Lead.objects.count() == count


def test_tenant_admin_creates_through_the_services(alpha, tenant_a):
    response = alpha.post(
        url(Lead, "add"),
        {
            "first_name": "Grace",
            "email": "grace@hopper.example",
            "company": "Navy",
            "status": "NEW",
            "source": LeadSource.objects.get(tenant=tenant_a, source_code="REFERRAL").pk,
            "call_attempts": 0,
            "tags": "vip, Navy",
            "activities-TOTAL_FORMS": 0,
            "activities-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    lead = Lead.objects.get(tenant=tenant_a, first_name="Grace")
    assert lead.lead_score == 100  # 50 + referral 20 + company 10 + business email 10 + vip 15
    assert lead.tag_names() == ["navy", "vip"]
    assert lead.activities.filter(kind="created").exists()


def test_tenant_admin_adds_a_member_without_seeing_other_users(alpha, tenant_a, world):
    response = alpha.get(url(Membership, "add"))
    assert_clean(response)
    response = alpha.post(
        url(Membership, "add"),
        {
            "username": "newbie",
            "email": "n@alpha.example",
            "password": "pw-123456",
            "role": "agent",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.filter(tenant=tenant_a, user__username="newbie").exists()
    response = alpha.post(url(Membership, "add"), {"username": "ghost", "role": "agent"})
    assert response.status_code == 200
    assert "password" in response.context["adminform"].form.errors


def test_agents_and_managers_cannot_use_the_admin(client, manager_a):
    manager_a.user.is_staff = True  # even with the staff flag, the role decides
    manager_a.user.save()
    client.force_login(manager_a.user)
    assert client.get(url(Lead, "changelist")).status_code == 403


def test_superuser_sees_every_tenant_with_a_tenant_column(client, tenant_a, world):
    LeadFactory(tenant=tenant_a, first_name="Alphonse")
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    page = client.get(url(Lead, "changelist")).content.decode()
    assert "Alphonse" in page and "Zqxbeta" in page
    assert "column-tenant" in page
    assert "tenant__id__exact" in page
    assert client.get(url(Tenant, "changelist")).status_code == 200
