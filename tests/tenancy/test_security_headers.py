"""Content-Security-Policy: every page, the admin, the API docs and the public tracking pages
send it, and no page or template relies on what it forbids (inline scripts, event-handler
attributes, javascript: URLs). The browser tests (tests/e2e) prove the pages work under it."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from campaigns.links import make_token
from campaigns.views.builder import TABS
from tenancy.actors import OPERATOR
from tenancy.security_headers import CONTENT_SECURITY_POLICY, HEADER
from tests.tenancy.registry import build_world, merged

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
ADMIN_OBJECTS = merged("ADMIN_OBJECTS")

# Every GET page, by route name: world -> the URLs to request.
PAGES = {
    "tenancy:home": lambda w: [reverse("tenancy:home")],
    "tenancy:search": lambda w: [reverse("tenancy:search"), reverse("tenancy:search") + "?q=alpha"],
    "crm:lead-list": lambda w: [reverse("crm:lead-list")],
    "crm:lead-create": lambda w: [reverse("crm:lead-create")],
    "crm:lead-detail": lambda w: [reverse("crm:lead-detail", args=[w.lead.pk])],
    "crm:lead-edit": lambda w: [reverse("crm:lead-edit", args=[w.lead.pk])],
    "crm:lead-convert": lambda w: [reverse("crm:lead-convert", args=[w.lead.pk])],
    "crm:customer-list": lambda w: [reverse("crm:customer-list")],
    "crm:customer-create": lambda w: [reverse("crm:customer-create")],
    "crm:customer-detail": lambda w: [reverse("crm:customer-detail", args=[w.customer.pk])],
    "crm:customer-edit": lambda w: [reverse("crm:customer-edit", args=[w.customer.pk])],
    "crm:customer-notes": lambda w: [reverse("crm:customer-notes", args=[w.note_customer.pk])],
    "crm:customer-duplicates": lambda w: [reverse("crm:customer-duplicates")],
    "crm:customer-merge": lambda w: [
        reverse("crm:customer-merge", args=[w.customer.pk]) + f"?with={w.note_customer.pk}"
    ],
    "crm:lead-notes": lambda w: [reverse("crm:lead-notes", args=[w.lead.pk])],
    "crm:note-delete": lambda w: [reverse("crm:note-delete", args=[w.note.pk])],
    "crm:tag-list": lambda w: [reverse("crm:tag-list")],
    "crm:tag-create": lambda w: [reverse("crm:tag-create")],
    "crm:tag-edit": lambda w: [reverse("crm:tag-edit", args=[w.tag.pk])],
    "crm:tag-merge": lambda w: [reverse("crm:tag-merge", args=[w.tag.pk])],
    "crm:tag-delete": lambda w: [reverse("crm:tag-delete", args=[w.tag.pk])],
    "crm:tag-rule-list": lambda w: [reverse("crm:tag-rule-list")],
    "crm:segment-list": lambda w: [reverse("crm:segment-list")],
    "crm:segment-create": lambda w: [reverse("crm:segment-create")],
    "crm:segment-detail": lambda w: [reverse("crm:segment-detail", args=[w.segment.pk])],
    "crm:segment-edit": lambda w: [reverse("crm:segment-edit", args=[w.segment.pk])],
    "crm:segment-status": lambda w: [reverse("crm:segment-status", args=[w.segment.pk])],
    "crm:segment-delete": lambda w: [reverse("crm:segment-delete", args=[w.segment.pk])],
    "crm:tag-rule-apply": lambda w: [reverse("crm:tag-rule-apply", args=[w.tag_rule.pk])],
    "crm:task-list": lambda w: [reverse("crm:task-list")],
    "crm:customer-import": lambda w: [reverse("crm:customer-import")],
    "crm:lead-import": lambda w: [reverse("crm:lead-import")],
    "crm:import-list": lambda w: [reverse("crm:import-list")],
    "crm:import-detail": lambda w: [reverse("crm:import-detail", args=[w.import_job.pk])],
    "crm:import-progress": lambda w: [reverse("crm:import-progress", args=[w.import_job.pk])],
    "crm:import-undo": lambda w: [reverse("crm:import-undo", args=[w.import_job.pk])],
    "callbacks:callback-queue": lambda w: [reverse("callbacks:callback-queue")],
    "callbacks:callback-create": lambda w: [reverse("callbacks:callback-create")],
    "callbacks:callback-contacts": lambda w: [
        reverse("callbacks:callback-contacts", args=[kind]) + "?q=zq"
        for kind in ("customer", "lead")
    ],
    "callbacks:callback-sla": lambda w: [reverse("callbacks:callback-sla")],
    "callbacks:callback-detail": lambda w: [
        reverse("callbacks:callback-detail", args=[w.callback.pk])
    ],
    "crm:source-performance": lambda w: [reverse("crm:source-performance")],
    "customfields:field-list": lambda w: [reverse("customfields:field-list")],
    "customfields:field-create": lambda w: [reverse("customfields:field-create")],
    "customfields:field-edit": lambda w: [
        reverse("customfields:field-edit", args=[w.definition.field_key])
    ],
    "customfields:field-delete": lambda w: [
        reverse("customfields:field-delete", args=[w.definition.field_key])
    ],
    "milestones:dashboard": lambda w: [reverse("milestones:dashboard")],
    "milestones:overdue": lambda w: [reverse("milestones:overdue")],
    "campaigns:campaign-list": lambda w: [reverse("campaigns:campaign-list")],
    "campaigns:campaign-create": lambda w: [reverse("campaigns:campaign-create")],
    "campaigns:template-list": lambda w: [reverse("campaigns:template-list")],
    "campaigns:campaign-detail": lambda w: [
        reverse("campaigns:campaign-detail", args=[w.campaign.pk]),
        reverse("campaigns:campaign-detail", args=[w.draft.pk]),
    ],
    "campaigns:campaign-figures": lambda w: [
        reverse("campaigns:campaign-figures", args=[w.campaign.pk]),
    ],
    "campaigns:campaign-edit": lambda w: [
        reverse("campaigns:campaign-edit", args=[w.draft.pk, tab]) for tab in TABS
    ],
    "campaigns:trigger-create": lambda w: [
        reverse("campaigns:trigger-create", args=[w.campaign_trigger.campaign_id])
    ],
    "campaigns:trigger-detail": lambda w: [
        reverse(
            "campaigns:trigger-detail",
            args=[w.campaign_trigger.campaign_id, w.campaign_trigger.pk],
        )
    ],
    "campaigns:trigger-edit": lambda w: [
        reverse(
            "campaigns:trigger-edit", args=[w.campaign_trigger.campaign_id, w.campaign_trigger.pk]
        )
    ],
    "campaigns:trigger-confirm": lambda w: [
        reverse(
            "campaigns:trigger-confirm",
            args=[w.campaign_trigger.campaign_id, w.campaign_trigger.pk, action],
        )
        for action in ("delete", "deactivate", "activate")
    ],
    # Open to anyone holding a link; an unknown one gets the page's own 404.
    "tenancy:invitation-accept": lambda w: [
        reverse("tenancy:invitation-accept", args=["not-a-token"])
    ],
    "campaigns-tracking:unsubscribe": lambda w: [
        reverse(
            "campaigns-tracking:unsubscribe",
            args=[make_token("unsubscribe", w.execution.tenant_id, w.execution.pk)],
        )
    ],
}
STATUS = {"tenancy:invitation-accept": 404}
# Routes that take no GET (the forms and buttons of the pages above post to them), or answer
# with something other than a page.
NOT_PAGES = {
    "crm:customer-bulk",
    "crm:import-again",
    "crm:import-errors",  # a CSV
    "crm:customer-export",  # a CSV or XLSX download
    "crm:lead-export",  # a CSV or XLSX download
    "crm:segment-rebuild",
    "crm:segment-preview",
    "crm:lead-bulk-status",
    "crm:lead-bulk-assign",
    "crm:lead-archive",
    "crm:lead-restore",
    "crm:customer-columns",
    "crm:note-complete",
    "crm:note-reopen",
    "callbacks:callback-claim",
    "callbacks:callback-auto-assign",
    "callbacks:callback-status",
    "callbacks:callback-assign",
    "tenancy:switch-tenant",
    "customfields:field-preview",
    "customfields:field-reorder",
    "customfields:apply-template",
    "customfields:field-active",
    "customfields:field-move",
    "milestones:record",
    "milestones:status",
    "milestones:lead-template",
    "campaigns:template-create",
    "campaigns:audience-count",
    "campaigns:campaign-preview",
    "campaigns:campaign-action",
    "campaigns:trigger-count",
    "campaigns-tracking:open",  # a GIF
    "campaigns-tracking:click",  # a redirect
    "campaigns-tracking:webhook",  # a provider's POST
}
PAGE_NAMESPACES = {
    "tenancy",
    "crm",
    "callbacks",
    "customfields",
    "milestones",
    "campaigns",
    "campaigns-tracking",
}


def route_names(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from route_names(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name and namespace in PAGE_NAMESPACES:
            yield f"{namespace}:{entry.name}"


class InlineCode(HTMLParser):
    """What a page has that the policy blocks: inline scripts, on* handlers, javascript: URLs,
    htmx's eval attributes."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            if attributes.get("type") != "application/json":
                self.problems.append(f"inline <script> {attributes}")
        for name, value in attrs:
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in ("hx-vals", "hx-vars", "data-hx-vals") and "js:" in (value or ""):
                self.problems.append(f"<{tag} {name}={value!r}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.problems


def assert_protected(response, url, status=200):
    assert response.status_code == status, (url, response.status_code)
    assert response["Content-Type"].startswith("text/html"), url
    assert response[HEADER] == POLICY, url
    assert inline_code(response.content.decode()) == [], url


@pytest.fixture
def world(tenant_a):
    """Every app's objects in tenant A (tests/<app>/foreign.py), plus a draft campaign (whose
    edit tabs are forms)."""
    from campaigns.services.campaigns import campaign_create

    world = build_world(tenant_a)
    world.draft = campaign_create(by=OPERATOR, tenant=tenant_a, data={"name": "Draft"})
    return world


@pytest.fixture
def alpha(client, admin_a):
    client.force_login(admin_a.user)
    return client


def test_the_check_finds_what_the_policy_blocks():
    assert len(inline_code('<script>go()</script><a href="#" onclick="go()">x</a>')) == 2
    assert inline_code('<a href="javascript:go()">x</a><div hx-on:click="go()"></div>')
    assert inline_code('<div hx-vals="js:{a: go()}"></div>')
    allowed = '<script src="/static/js/app.js" defer></script><script type="application/json">{}'
    assert inline_code(allowed + "</script>") == []


def test_the_policy_is_the_agreed_one():
    assert CONTENT_SECURITY_POLICY == POLICY
    assert "tenancy.security_headers.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE


def test_every_page_route_is_walked_here():
    names = set(route_names())
    assert names - set(PAGES) - NOT_PAGES == set(), "add the new route to PAGES or NOT_PAGES"
    assert set(PAGES) | NOT_PAGES <= names


def test_every_page_sends_the_policy_and_has_no_inline_code(alpha, world):
    walked = 0
    for name, urls in PAGES.items():
        status = STATUS.get(name, 200)
        for url in urls(world):
            walked += 1
            response = alpha.get(url)
            assert_protected(response, url, status)
            # An htmx request gets the partial: the same rules hold.
            partial = alpha.get(url, headers={"HX-Request": "true"})
            assert_protected(partial, f"{url} (htmx)", status)
    assert walked >= len(PAGES)


def test_sign_in_and_api_docs_send_the_policy(client, db):
    assert_protected(client.get(reverse("login")), "login")
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert_protected(client.get(reverse(name)), name)
    spent = reverse("password_reset_confirm", args=["MQ", "set-password"])
    assert_protected(client.get(spent), "password reset confirm")
    docs = client.get(reverse("api-docs"))
    assert_protected(docs, "api docs")
    # Swagger UI's start-up script is a file of its own (so script-src 'self' allows it).
    script = re.search(r'<script src="([^"]*\bscript=[^"]*)"', docs.content.decode())
    assert script, docs.content.decode()
    served = client.get(script.group(1).replace("&amp;", "&"))
    assert served.status_code == 200
    assert served["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in served.content


def test_the_admin_sends_the_policy(alpha, world, admin_a, rf):
    assert_protected(alpha.get(reverse("admin:index")), "admin index")
    request = rf.get("/admin/")
    request.user, request.tenant, request.membership = admin_a.user, admin_a.tenant, admin_a
    for model, model_admin in admin.site._registry.items():
        if model not in ADMIN_OBJECTS:
            continue
        meta = model._meta
        base = f"admin:{meta.app_label}_{meta.model_name}"
        urls = [
            reverse(f"{base}_changelist"),
            reverse(f"{base}_change", args=[ADMIN_OBJECTS[model](world).pk]),
        ]
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"{base}_add"))
        for url in urls:
            assert_protected(alpha.get(url), url)


def test_non_html_responses_carry_no_policy(api, manager_a):
    response = api(manager_a).get("/api/v1/leads/")
    assert response.status_code == 200 and HEADER not in response


def test_the_browsable_api_sends_the_policy(alpha, world):
    for url in ("/api/v1/leads/", f"/api/v1/leads/{world.lead.pk}/"):
        assert_protected(alpha.get(url, HTTP_ACCEPT="text/html"), url)


def test_a_view_may_set_its_own_policy(rf, settings):
    from django.http import HttpResponse

    from tenancy.security_headers import ContentSecurityPolicyMiddleware

    def view(request):
        response = HttpResponse("<p>hi</p>")
        response[HEADER] = "default-src 'none'"
        return response

    assert ContentSecurityPolicyMiddleware(view)(rf.get("/"))[HEADER] == "default-src 'none'"
    settings.DEBUG = True  # Django's technical 500 page runs inline scripts
    failing = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("<p>!</p>", status=500))
    assert HEADER not in failing(rf.get("/"))
    settings.DEBUG = False
    assert failing(rf.get("/"))[HEADER] == POLICY
    settings.CONTENT_SECURITY_POLICY = ""
    plain = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("<p>hi</p>"))
    assert HEADER not in plain(rf.get("/"))


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"] + [
    path
    for app in ("crm", "customfields", "milestones", "campaigns")
    if (path := Path(settings.BASE_DIR) / app / "templates").is_dir()
]


@pytest.mark.parametrize(
    "template",
    [p for d in TEMPLATE_DIRS for p in sorted(d.rglob("*.html"))],
    ids=lambda p: str(p.relative_to(settings.BASE_DIR)),
)
def test_no_template_has_inline_code(template):
    """Also the templates only a POST renders (fragments, forms with errors): with each template
    tag replaced by a placeholder, what is left is plain HTML to check."""
    source = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "tag", template.read_text(), flags=re.S)
    assert inline_code(source) == []
