"""No page input gives a 500 either: every form on every page of a tenant (its lists and
filters, search boxes, the create and edit forms of leads, customers, callbacks, campaigns,
custom fields and milestones), the sign-in page, the tenant switcher and an invitation, each
submitted with a NUL byte in one field at a time (the other fields as the page filled them).
The answer is the page with a form error, or the page with the input ignored, or a redirect;
never a server error. Run it on PostgreSQL too: only PostgreSQL refuses the NUL byte itself.
"""

from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.db import transaction
from django.urls import reverse

from tenancy.actors import OPERATOR
from tenancy.models import Role
from tenancy.services.members import invitation_create, invitation_token
from tests.tenancy.bad_input_routes import NUL, alpha  # noqa: F401 (a fixture)


class Forms(HTMLParser):
    """The forms of a page: [(method, action, {name: value})] with each field's value as the
    page set it (the checked boxes, the selected or first option, the text)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, str, dict]] = []
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(((a.get("method") or "get").lower(), a.get("action") or "", {}))
        if not self.forms or not a.get("name"):
            return
        fields = self.forms[-1][2]
        name = a["name"]
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                fields.setdefault(name, "")
            else:
                fields[name] = a.get("value") or ""
        elif tag == "select":
            self.select = name
            fields.setdefault(name, "")
        elif tag == "textarea":
            self.textarea = name
            fields[name] = ""
        if tag == "option" and self.select and (not fields[self.select] or "selected" in a):
            fields[self.select] = a.get("value") or ""

    def handle_data(self, data):
        if self.textarea and self.forms:
            self.forms[-1][2][self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def page_forms(response, url):
    parser = Forms()
    parser.feed(response.content.decode(errors="replace"))
    return [
        (method, urljoin(url, action or url), fields) for method, action, fields in parser.forms
    ]


def spoiled(value: str) -> str:
    return f"{value[:1]}{NUL}{value[1:]}" if value else f"a{NUL}b"


def pages(w) -> list[str]:
    names = {
        "crm:lead-list": {},
        "crm:lead-create": {},
        "crm:lead-detail": {"pk": w.lead},
        "crm:lead-edit": {"pk": w.lead},
        "crm:lead-convert": {"pk": w.lead2},
        "crm:customer-list": {},
        "crm:customer-create": {},
        "crm:customer-detail": {"pk": w.customer},
        "crm:customer-edit": {"pk": w.customer},
        "crm:source-performance": {},
        "callbacks:callback-queue": {},
        "callbacks:callback-create": {},
        "callbacks:callback-sla": {},
        "callbacks:callback-detail": {"pk": w.callback},
        "campaigns:campaign-list": {},
        "campaigns:campaign-create": {},
        "campaigns:template-list": {},
        "campaigns:campaign-detail": {"pk": w.campaign},
        "campaigns:trigger-create": {"pk": w.campaign},
        "campaigns:trigger-detail": {"pk": w.campaign, "tid": w.trigger},
        "campaigns:trigger-edit": {"pk": w.campaign, "tid": w.trigger},
        "campaigns:trigger-confirm": {"pk": w.campaign, "tid": w.trigger, "action": "deactivate"},
        "customfields:field-list": {},
        "customfields:field-create": {},
        "customfields:field-edit": {"key": "nickname"},
        "milestones:dashboard": {},
        "milestones:overdue": {},
    }
    urls = [reverse(name, kwargs=kwargs) for name, kwargs in names.items()]
    urls += [
        reverse("campaigns:campaign-edit", kwargs={"pk": w.campaign, "tab": tab})
        for tab in ("basic", "audience", "content", "schedule")
    ]
    return urls


def submit(client, problems, method, url, fields):
    """Each field in turn with a NUL byte, in a savepoint undone afterwards."""
    for name, value in fields.items():
        if name == "csrfmiddlewaretoken":
            continue
        data = {**fields, name: spoiled(value)}
        with transaction.atomic():
            response = getattr(client, method)(url, data)
            transaction.set_rollback(True)
        if response.status_code >= 500:
            problems.append(f"{method.upper()} {url} {name}: {response.status_code}")


def crawl(client, problems, url) -> int:
    response = client.get(url)
    if response.status_code != 200:
        problems.append(f"GET {url}: {response.status_code}")
        return 0
    forms = page_forms(response, url)
    for method, action, fields in forms:
        submit(client, problems, method if method in ("get", "post") else "post", action, fields)
    return len(forms)


def test_a_nul_byte_in_any_page_form_is_never_a_server_error(client, alpha):  # noqa: F811
    client.raise_request_exception = False
    client.force_login(alpha.admin.user)
    problems: list[str] = []
    forms = sum(crawl(client, problems, url) for url in pages(alpha))
    assert forms >= 25
    assert not problems, "\n".join(problems)


def test_sign_in_switcher_and_invitation_refuse_a_nul_byte(client, alpha):  # noqa: F811
    client.raise_request_exception = False
    problems: list[str] = []
    invitation = invitation_create(
        tenant=alpha.admin.tenant, email="new@alpha.example", role=Role.AGENT, by=OPERATOR
    )
    crawl(client, problems, reverse("login"))
    token = invitation_token(invitation)
    crawl(client, problems, reverse("tenancy:invitation-accept", kwargs={"token": token}))
    bad_token = reverse("tenancy:invitation-accept", kwargs={"token": f"{token[:5]}{NUL}"})
    if client.get(bad_token).status_code >= 500:
        problems.append("a NUL byte in an invitation token")
    client.force_login(alpha.admin.user)
    response = client.post(reverse("tenancy:switch-tenant"), {"tenant": f"al{NUL}pha"})
    if response.status_code >= 500:
        problems.append(f"switcher: {response.status_code}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("header", [f"al{NUL}pha", NUL])
def test_a_nul_byte_in_the_tenant_header_is_refused(api, alpha, header):  # noqa: F811
    client = api(alpha.admin, tenant_header=header)
    response = client.get(reverse("lead-list"))
    assert response.status_code == 403
