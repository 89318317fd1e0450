"""Walks every page route (everything that is neither the API nor the admin) with two tenants,
beside the API and admin walks: tenant B's objects are a 404 on every page that addresses one,
by GET and by POST; no page, list, search, dropdown or chart shown to tenant A's admin contains
them; and no form posted by tenant A that names them changes them. A page route that this file
does not cover fails test_every_page_route_is_covered."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.tenancy.registry import MARKER, snapshot

# Routes that address one of tenant B's objects: route name -> world -> URL kwargs.
OBJECT_PAGES = {
    "crm:lead-detail": lambda w: {"pk": w.lead.pk},
    "crm:lead-edit": lambda w: {"pk": w.lead.pk},
    "crm:lead-archive": lambda w: {"pk": w.lead.pk},
    "crm:lead-restore": lambda w: {"pk": w.lead.pk},
    "crm:lead-convert": lambda w: {"pk": w.lead.pk},
    "crm:customer-detail": lambda w: {"pk": w.customer.pk},
    "crm:customer-edit": lambda w: {"pk": w.customer.pk},
    "crm:customer-notes": lambda w: {"pk": w.note_customer.pk},
    "crm:customer-merge": lambda w: {"pk": w.customer.pk},
    "crm:lead-notes": lambda w: {"pk": w.lead.pk},
    "crm:note-complete": lambda w: {"pk": w.task.pk},
    "crm:note-reopen": lambda w: {"pk": w.task.pk},
    "crm:note-delete": lambda w: {"pk": w.note.pk},
    "crm:tag-edit": lambda w: {"pk": w.tag.pk},
    "crm:tag-merge": lambda w: {"pk": w.tag.pk},
    "crm:tag-delete": lambda w: {"pk": w.tag.pk},
    "crm:tag-rule-apply": lambda w: {"pk": w.tag_rule.pk},
    "crm:segment-detail": lambda w: {"pk": w.segment.pk},
    "crm:segment-edit": lambda w: {"pk": w.segment.pk},
    "crm:segment-status": lambda w: {"pk": w.segment.pk},
    "crm:segment-rebuild": lambda w: {"pk": w.segment.pk},
    "crm:segment-delete": lambda w: {"pk": w.segment.pk},
    "crm:import-detail": lambda w: {"pk": w.import_job.pk},
    "crm:import-progress": lambda w: {"pk": w.import_job.pk},
    "crm:import-again": lambda w: {"pk": w.import_job.pk},
    "crm:import-undo": lambda w: {"pk": w.import_job.pk},
    "crm:import-errors": lambda w: {"pk": w.import_job.pk},
    "milestones:record": lambda w: {"pk": w.ms_lead.pk},
    "milestones:status": lambda w: {"pk": w.ms_lead.pk, "milestone_id": w.milestone.pk},
    "milestones:lead-template": lambda w: {"pk": w.ms_lead.pk},
    "customfields:field-edit": lambda w: {"key": w.definition.field_key},
    "customfields:field-preview": lambda w: {"key": w.definition.field_key},
    "customfields:field-active": lambda w: {"key": w.definition.field_key},
    "customfields:field-move": lambda w: {"key": w.definition.field_key},
    "customfields:field-delete": lambda w: {"key": w.definition.field_key},
    "campaigns:campaign-detail": lambda w: {"pk": w.campaign.pk},
    "campaigns:campaign-edit": lambda w: {"pk": w.campaign.pk, "tab": "basics"},
    "campaigns:campaign-preview": lambda w: {"pk": w.campaign.pk},
    "campaigns:campaign-figures": lambda w: {"pk": w.campaign.pk},
    "campaigns:campaign-action": lambda w: {"pk": w.campaign.pk, "action": "launch"},
    "campaigns:template-create": lambda w: {"pk": w.campaign_template.pk},
    "campaigns:trigger-create": lambda w: {"pk": w.campaign.pk},
    "campaigns:trigger-count": lambda w: {"pk": w.campaign.pk},
    "campaigns:trigger-detail": lambda w: {"pk": w.campaign.pk, "tid": w.campaign_trigger.pk},
    "campaigns:trigger-edit": lambda w: {"pk": w.campaign.pk, "tid": w.campaign_trigger.pk},
    "campaigns:trigger-confirm": lambda w: {
        "pk": w.campaign.pk,
        "tid": w.campaign_trigger.pk,
        "action": "delete",
    },
    "callbacks:callback-detail": lambda w: {"pk": w.callback.pk},
    "callbacks:callback-status": lambda w: {"pk": w.callback.pk},
    "callbacks:callback-assign": lambda w: {"pk": w.callback.pk},
}

# Pages of the tenant's own data: GET (with a search for tenant B's marker) shows nothing of B.
# Route name -> URL kwargs (for routes whose arguments name no object).
LIST_PAGES = {
    "tenancy:home": {},
    "tenancy:search": {},
    "crm:lead-list": {},
    "crm:lead-create": {},
    "crm:customer-list": {},
    "crm:customer-create": {},
    "crm:customer-export": {},
    "crm:lead-export": {},
    "crm:customer-duplicates": {},
    "crm:task-list": {},
    "crm:tag-list": {},
    "crm:tag-create": {},
    "crm:source-performance": {},
    "crm:tag-rule-list": {},
    "crm:segment-list": {},
    "crm:segment-create": {},
    "crm:customer-import": {},
    "crm:lead-import": {},
    "crm:import-list": {},
    "milestones:dashboard": {},
    "milestones:overdue": {},
    "customfields:field-list": {},
    "customfields:field-create": {},
    "campaigns:campaign-list": {},
    "campaigns:campaign-create": {},
    "campaigns:template-list": {},
    "callbacks:callback-queue": {},
    "callbacks:callback-create": {},
    "callbacks:callback-sla": {},
    "callbacks:callback-contacts": {"kind": "customer"},
}

# Forms posted to a list-level route that name tenant B's objects: they may be refused or do
# tenant A's own work, but never touch B's objects or show them.
FOREIGN_FORMS = {
    "crm:lead-bulk-status": lambda w: {
        "lead_ids": [w.lead.pk],
        "status": "lost",
        "confirmed": "on",
    },
    "crm:lead-bulk-assign": lambda w: {
        "lead_ids": [w.lead.pk],
        "agent": w.agent.user.pk,
        "confirmed": "on",
    },
    "crm:customer-bulk": lambda w: {
        "scope": "selected",
        "customer_ids": [w.customer.pk, w.note_customer.pk],
        "action": "delete",
        "confirmed": "on",
        "expected": 2,
    },
    "crm:segment-preview": lambda w: {
        "editor": "json",
        "condition": f'{{"segment": {w.segment.pk}}}',
        "segment_id": w.segment.pk,
    },
    "crm:segment-create": lambda w: {
        "name": "X",
        "color": "#000000",
        "order": "0",
        "editor": "json",
        "condition": f'{{"segment": {w.segment.pk}}}',
    },
    "crm:customer-columns": lambda w: {"columns": [f"cf_{w.definition.field_key}"]},
    "customfields:field-reorder": lambda w: {"keys": [w.definition.field_key]},
    "customfields:field-preview": lambda w: {"field_key": w.definition.field_key},
    "customfields:apply-template": lambda w: {"industry": "retail"},
    "campaigns:audience-count": lambda w: {
        "editor": "json",
        "target_audience": '{"field": "tags", "op": "contains", "value": "zqxbeta-tag"}',
    },
    "callbacks:callback-claim": lambda w: {"callback": w.callback.pk},
    "callbacks:callback-auto-assign": lambda w: {
        "callback_ids": [w.callback.pk],
        "confirmed": "on",
    },
    "callbacks:callback-contacts": lambda w: {"q": MARKER},
}

# Routes outside a tenant's pages, each with its reason.
NOT_TENANT_PAGES = {
    "login": "signing in comes before any tenant",
    "logout": "signing out",
    "password_reset": "before signing in; tests/tenancy/test_password_reset.py",
    "password_reset_done": "before signing in; says the same to everyone",
    "password_reset_confirm": "addressed by a signed single-use token, not by tenant",
    "password_reset_complete": "before signing in; says the same to everyone",
    "tenancy:switch-tenant": "walked in tests/tenancy/test_resolver.py (a foreign slug is a 404)",
    "tenancy:invitation-accept": "addressed by a signed single-use token, not by tenant",
    "campaigns-tracking:open": "public, addressed by a signed token",
    "campaigns-tracking:click": "public, addressed by a signed token",
    "campaigns-tracking:unsubscribe": "public, addressed by a signed token",
    "campaigns-tracking:webhook": "public, signed by the channel's webhook secret",
}


def page_routes():
    """(route name, URL pattern) for every route that is neither the API nor the admin."""

    def walk(patterns, prefix="", namespace=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
                yield from walk(entry.url_patterns, route, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                yield route, namespace + entry.name, entry

    for route, name, pattern in walk(get_resolver().url_patterns):
        if route.startswith(("api/", "admin/", "static/", "media/")):
            continue
        yield name, set(pattern.pattern.regex.groupindex)


@pytest.fixture
def alpha(client, admin_a, own_lead):
    client.force_login(admin_a.user)
    return client


SEARCH = {"q": MARKER, "search": MARKER, "tag": f"{MARKER}-tag"}
# How a page echoes the search it was given (the form's value, its links): not a leak.
ECHOES = [
    f'value="{MARKER}-tag"',
    f'value="{MARKER}"',
    f"={MARKER}-tag",
    f"={MARKER}",
    f"“{MARKER}”",
]


def assert_clean(response, what):
    assert response.status_code != 500, what
    # A download (an export) streams: its whole body is read.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    body = content.decode(errors="replace").lower()
    for echo in ECHOES:
        body = body.replace(echo, "")
    at = body.find(MARKER)
    assert at < 0, (what, body[max(0, at - 300) : at + 200])


def test_every_page_route_is_covered():
    routes = list(page_routes())
    assert len(routes) >= 40
    for name, kwargs in routes:
        covered = (
            name in NOT_TENANT_PAGES
            or (kwargs and name in OBJECT_PAGES)
            or (not kwargs and (name in LIST_PAGES or name in FOREIGN_FORMS))
            or (kwargs and name in LIST_PAGES)
        )
        assert covered, f"{name}: add it to a registry of tests/tenancy/test_page_walk.py"


def test_foreign_objects_are_404_on_every_page_that_addresses_one(alpha, world):
    before = snapshot(world)
    checked = 0
    for name, kwargs in page_routes():
        if not kwargs or name not in OBJECT_PAGES:
            continue
        url = reverse(name, kwargs=OBJECT_PAGES[name](world))
        statuses = []
        for method in ("get", "post"):
            response = getattr(alpha, method)(url, {"note": "x", "name": "Hacked"})
            # A method the route does not take is refused before the object is looked at
            # (405), which says nothing about whether it exists.
            assert response.status_code in (404, 405), (method, url, response.status_code)
            assert_clean(response, (method, url))
            statuses.append(response.status_code)
        assert 404 in statuses, url
        checked += 1
    assert checked >= 20
    assert snapshot(world) == before


def test_pages_never_show_foreign_objects(alpha, world):
    for name, kwargs in LIST_PAGES.items():
        url = reverse(name, kwargs=kwargs)
        for params in ({}, SEARCH):
            response = alpha.get(url, params)
            assert response.status_code in (200, 302), (url, params, response.status_code)
            assert_clean(response, (url, params))


def test_forms_naming_foreign_objects_touch_nothing_of_theirs(alpha, world):
    before = snapshot(world)
    for name, body in FOREIGN_FORMS.items():
        url = reverse(name, kwargs=LIST_PAGES.get(name, {}))
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = alpha.post(url, body(world), **headers)
            assert_clean(response, (url, headers))
    assert snapshot(world) == before


def test_an_agent_sees_no_other_agents_lead_pages(client, agent_a, agent_a2):
    """Within a tenant, the page base's access selector hides another agent's lead the same way
    (a 404, never a 403)."""
    from tests.factories import LeadFactory

    theirs = LeadFactory(tenant=agent_a.tenant, assigned_to=agent_a2.user, first_name=MARKER)
    client.force_login(agent_a.user)
    for name in ("crm:lead-notes", "crm:lead-edit", "crm:lead-archive", "milestones:record"):
        response = client.post(reverse(name, kwargs={"pk": theirs.pk}), {"note": "x"})
        assert response.status_code == 404, name
        assert_clean(response, name)
    assert_clean(client.get(reverse("crm:lead-list"), {"q": MARKER}), "lead list")
