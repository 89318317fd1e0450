"""Stored XSS: everything a tenant types is escaped wherever it is rendered, in the admin as on
the pages. Tenant A's world (every app's objects, from the crossing walks' registry) gets a
script payload and an attribute-breaking payload in every free-text column, custom fields of
every type get them in label, help text, placeholder and options; then every registered admin
model's changelist, search, add, change, delete and history pages are walked as a superuser and
as the tenant's admin, and the customer pages and the form builder as the tenant's admin. The
payloads must only ever appear escaped, and escaped once."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape

from crm.models import Customer
from crm.services.customers import customer_create
from customfields.models import FieldDefinition, FieldType
from customfields.services.definitions import definition_create
from tenancy.actors import OPERATOR
from tenancy.models import LoginLock, Tenant
from tests.tenancy.registry import build_world

SCRIPT = '<script>alert("xss-ATRIUM")</script>'
ATTR = '"><img src=x onerror=alert(1)>'
PAYLOAD = SCRIPT + ATTR
ESCAPED = escape(PAYLOAD)  # &lt;script&gt;alert(&quot;xss-ATRIUM&quot;)… as it must show
# What must never be in a response: the payloads unescaped, or escaped twice (&amp;lt;…).
UNSAFE = ("<script>alert(", "<img src=x onerror", "&amp;lt;script", "&amp;quot;&amp;gt;")

TENANT_APPS = {"crm", "customfields", "milestones", "campaigns"}
# Free-text columns the code reads as names of other columns, not as text.
STRUCTURAL = {(FieldDefinition, "mapped_field_name")}
SAFE_VALIDATORS = (MaxLengthValidator, ProhibitNullCharactersValidator)


# ---------------------------------------------------------------------------------------------
# The poisoned world


def _max_length(field) -> int | None:
    limits = [v.limit_value for v in field.validators if isinstance(v, MaxLengthValidator)]
    if field.max_length:
        limits.append(field.max_length)
    return min(limits, default=None)


def _unique(model, field) -> bool:
    if field.unique or any(field.name in group for group in model._meta.unique_together):
        return True
    return any(field.name in getattr(c, "fields", ()) for c in model._meta.constraints)


def free_text_fields(model) -> list[models.Field]:
    """Text columns a person types freely: no choices, and no validator that makes them a code
    (slugs, codes, e-mail addresses, phone numbers, time zones, colours…)."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField))
        and not f.choices
        and not f.primary_key
        and (model, f.name) not in STRUCTURAL
        and all(isinstance(v, SAFE_VALIDATORS) for v in f.validators)
    ]


def payload_for(field, suffix: str = "") -> str | None:
    limit = _max_length(field)
    for value in (PAYLOAD, SCRIPT, ATTR):
        if limit is None or len(value + suffix) <= limit:
            return value + suffix
    return None


def poison_rows(model, queryset) -> int:
    """Every free-text column of every row to a payload; unique columns get the row's pk."""
    fields = free_text_fields(model)
    written = 0
    for pk in queryset.values_list("pk", flat=True):
        values = {}
        for field in fields:
            value = payload_for(field, f" {pk}" if _unique(model, field) else "")
            if value is not None:
                values[field.attname] = value
        if values:
            written += model._default_manager.filter(pk=pk).update(**values)
    return written


def tenant_models():
    for model in apps.get_models():
        if model._meta.app_label in TENANT_APPS and any(
            f.name == "tenant" for f in model._meta.concrete_fields
        ):
            yield model


@pytest.fixture
def poisoned(tenant_a, admin_a):
    world = build_world(tenant_a)
    world.definitions = {}
    for kind in FieldType.values:
        data = {"field_key": f"xss_{kind}", "field_label": f"Xss {kind}", "field_type": kind}
        if kind == FieldType.SELECT:
            data["select_options"] = ["one"]
        world.definitions[kind] = definition_create(tenant=tenant_a, by=OPERATOR, data=data)
    world.own_customer = customer_create(
        tenant=tenant_a,
        by=admin_a,
        data={"first_name": "Own", "last_name": "Customer", "email": "own@alpha.example"},
        tags=["own-tag"],
        custom_fields={
            "xss_text": "text",
            "xss_number": 7,
            "xss_date": "2026-01-02",
            "xss_boolean": True,
            "xss_select": "one",
            "xss_email": "cf@alpha.example",
            "xss_url": "https://alpha.example/",
            "xss_phone": "+44 20 7946 0958",
        },
    )
    world.poisoned = {}
    for model in tenant_models():
        world.poisoned[model] = poison_rows(model, model._default_manager.filter(tenant=tenant_a))
    world.poisoned[Tenant] = poison_rows(Tenant, Tenant.objects.filter(pk=tenant_a.pk))
    get_user_model().objects.filter(memberships__tenant=tenant_a).update(
        first_name=SCRIPT, last_name=ATTR
    )
    # Options the stored select values (the full payload) are one of.
    FieldDefinition.objects.filter(tenant=tenant_a, field_type=FieldType.SELECT).update(
        select_options=[PAYLOAD, SCRIPT, ATTR]
    )
    # What a stranger types at the sign-in form ends up in the superusers' lock list.
    LoginLock.objects.create(
        kind="account", value=PAYLOAD, failures=9, locked_until=timezone.now() + timedelta(hours=1)
    )
    world.tenant = tenant_a
    return world


def test_the_world_is_poisoned(poisoned):
    """The walks below are only worth something if the text really carries the payloads."""
    for model in (Customer, FieldDefinition, Tenant):
        assert poisoned.poisoned[model], model
    definition = FieldDefinition.objects.get(pk=poisoned.definitions[FieldType.TEXT].pk)
    assert definition.help_text == definition.field_label == PAYLOAD
    assert definition.placeholder == PAYLOAD


# ---------------------------------------------------------------------------------------------
# Checks


def assert_escaped(response, where):
    html = response.content.decode()
    for unsafe in UNSAFE:
        position = html.find(unsafe)
        assert position == -1, (where, unsafe, html[max(0, position - 200) : position + 200])


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("xss-root", "root@example.com", "pw-x-1")


def admin_url(model, view, *args):
    info = (model._meta.app_label, model._meta.model_name)
    return reverse("admin:{}_{}_{}".format(*info, view), args=args)


def admin_objects(model, world) -> list:
    """The rows of `model` whose pages are walked: tenant A's, or a few global ones."""
    if model is Tenant:
        return [world.tenant]
    if any(f.name == "tenant" for f in model._meta.concrete_fields):
        return list(model._default_manager.filter(tenant=world.tenant))
    return list(model._default_manager.all()[:3])


def walk_admin(client, world, *, tenant_admin: bool) -> dict:
    """GET every registered admin's pages; returns {model: pages answered with 200}."""
    answered = {}
    for model, model_admin in admin.site._registry.items():
        owned = any(f.name == "tenant" for f in model._meta.concrete_fields) or model is Tenant
        urls = [admin_url(model, "changelist"), admin_url(model, "add")]
        if model_admin.search_fields:
            urls.append(admin_url(model, "changelist") + "?q=" + quote(SCRIPT))
        for obj in admin_objects(model, world):
            for view in ("change", "delete", "history"):
                try:
                    urls.append(admin_url(model, view, obj.pk))
                except NoReverseMatch:  # an admin without that view
                    pass
        answered[model] = 0
        for url in urls:
            response = client.get(url)
            assert_escaped(response, url)
            answered[model] += response.status_code == 200
        if owned and (model is not Tenant or not tenant_admin):
            changelist = client.get(admin_url(model, "changelist"))
            assert changelist.status_code == 200, model
            for obj in admin_objects(model, world):
                if model is Tenant or not hasattr(obj, "deleted_at") or obj.deleted_at is None:
                    change = client.get(admin_url(model, "change", obj.pk))
                    assert change.status_code == 200, (model, obj.pk)
    return answered


def test_superuser_admin_pages_escape_tenant_text(client, superuser, poisoned):
    client.force_login(superuser)
    answered = walk_admin(client, poisoned, tenant_admin=False)
    assert all(answered.values()), answered  # every admin answered at least one page


def test_tenant_admin_pages_escape_tenant_text(client, admin_a, poisoned):
    client.force_login(admin_a.user)
    walk_admin(client, poisoned, tenant_admin=True)


def custom_field_filters(world) -> str:
    select = world.definitions[FieldType.SELECT].field_key
    boolean = world.definitions[FieldType.BOOLEAN].field_key
    return f"?cf_{select}={quote(PAYLOAD)}&cf_{boolean}=true"


@pytest.mark.parametrize("who", ["superuser", "tenant_admin"])
def test_customer_admin_shows_custom_field_texts_escaped_once(
    client, superuser, admin_a, poisoned, who
):
    """The customer form's help texts (which Django's admin renders as HTML), labels,
    placeholders and options; the list's custom columns and filters."""
    client.force_login(superuser if who == "superuser" else admin_a.user)
    customer = poisoned.own_customer
    change = client.get(admin_url(Customer, "change", customer.pk))
    assert change.status_code == 200
    assert_escaped(change, "customer change")
    html = change.content.decode()
    form = change.context["adminform"].form
    for definition in poisoned.definitions.values():
        name = f"cf_{definition.field_key}"
        assert name in form.fields, name
        help_block = re.search(rf'id="id_{name}_helptext">\s*<div>(.*?)</div>', html, re.S)
        assert help_block and help_block.group(1) == ESCAPED, name
    assert f'placeholder="{ESCAPED}"' in html
    assert f'<option value="{ESCAPED}" selected>{ESCAPED}</option>' in html
    if who == "tenant_admin":  # the add form is the tenant's; a superuser's has no tenant yet
        add = client.get(admin_url(Customer, "add"))
        assert_escaped(add, "customer add")
        assert ESCAPED in add.content.decode()
        changelist = client.get(admin_url(Customer, "changelist") + custom_field_filters(poisoned))
        assert changelist.status_code == 200
        assert_escaped(changelist, "customer changelist with custom filters")
        assert ESCAPED in changelist.content.decode()


# ---------------------------------------------------------------------------------------------
# The pages


def page_urls(world) -> list[str]:
    customer = world.own_customer.pk
    urls = [
        reverse("crm:customer-list"),
        reverse("crm:customer-list") + custom_field_filters(world),
        reverse("crm:customer-create"),
        reverse("crm:customer-detail", args=[customer]),
        reverse("crm:customer-edit", args=[customer]),
        reverse("crm:lead-list"),
        reverse("crm:lead-create"),
        reverse("crm:lead-detail", args=[world.lead.pk]),
        reverse("crm:lead-edit", args=[world.lead.pk]),
        reverse("crm:lead-convert", args=[world.lead.pk]),
        reverse("crm:lead-detail", args=[world.ms_lead.pk]),
        reverse("callbacks:callback-queue"),
        reverse("callbacks:callback-create"),
        reverse("callbacks:callback-detail", args=[world.callback.pk]),
        reverse("callbacks:callback-sla"),
        reverse("crm:source-performance"),
        reverse("customfields:field-list"),
        reverse("customfields:field-create"),
        reverse("milestones:dashboard"),
        reverse("milestones:overdue"),
        reverse("campaigns:campaign-list"),
        reverse("campaigns:campaign-create"),
        reverse("campaigns:template-list"),
        reverse("campaigns:campaign-detail", args=[world.campaign.pk]),
    ]
    for definition in world.definitions.values():
        urls.append(reverse("customfields:field-edit", args=[definition.field_key]))
        urls.append(reverse("customfields:field-delete", args=[definition.field_key]))
    return urls


def test_pages_escape_tenant_text_once(client, admin_a, poisoned):
    client.force_login(admin_a.user)
    for url in page_urls(poisoned):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert_escaped(response, url)


@pytest.mark.parametrize("page", ["create", "edit"])
def test_customer_form_pages_show_help_text_escaped_once(client, admin_a, poisoned, page):
    client.force_login(admin_a.user)
    args = [] if page == "create" else [poisoned.own_customer.pk]
    response = client.get(reverse(f"crm:customer-{page}", args=args))
    assert response.status_code == 200
    assert_escaped(response, page)
    html = response.content.decode()
    for definition in poisoned.definitions.values():
        name = f"cf_{definition.field_key}"
        help_block = re.search(rf'<small class="help" id="id_{name}_helptext">(.*?)</small>', html)
        assert help_block and help_block.group(1) == ESCAPED, name
    assert f'placeholder="{ESCAPED}"' in html
    assert f">{ESCAPED}</option>" in html


def test_form_builder_preview_escapes_the_unsaved_field(client, admin_a, poisoned):
    """The preview renders what the admin is typing, before it is saved."""
    client.force_login(admin_a.user)
    select = poisoned.definitions[FieldType.SELECT]
    response = client.post(
        reverse("customfields:field-preview", args=[select.field_key]),
        {
            "field_label": SCRIPT,
            "help_text": ATTR + SCRIPT,
            "placeholder": ATTR,
            "select_options": f"{SCRIPT}\n{ATTR}",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert_escaped(response, "preview")
    html = response.content.decode()
    assert f'_helptext">{escape(ATTR + SCRIPT)}</small>' in html
    assert f">{escape(SCRIPT)}</option>" in html and f">{escape(ATTR)}</option>" in html
