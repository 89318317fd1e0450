"""Smart-tag rules in the admin: written through the rule services (the tag by name, loops and
bad conditions as form errors), applied by the "Apply now" action; another tenant's rule is a
404 and agents have no admin."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import CustomerTag, SmartTagRule
from crm.services.tag_rules import tag_rule_create
from tenancy.actors import OPERATOR
from tests.factories import CustomerFactory

BIG = {"field": "total_spent", "op": "gte", "value": 1000}


def url(view, *args):
    return reverse(f"admin:crm_smarttagrule_{view}", args=args)


@pytest.fixture
def alpha(client, admin_a):
    client.force_login(admin_a.user)
    return client


def form(**changes) -> dict:
    return {"tag": "Big", "name": "", "condition": json.dumps(BIG), "is_active": "on", **changes}


def test_a_rule_added_changed_and_deleted_in_the_admin(alpha, tenant_a, admin_a):
    rich = CustomerFactory(tenant=tenant_a, total_spent=Decimal(5000))
    response = alpha.post(url("add"), form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    rule = SmartTagRule.objects.get()
    assert (rule.tenant, rule.tag.name, rule.created_by) == (tenant_a, "big", admin_a.user)
    assert CustomerTag.objects.filter(customer=rich, tag=rule.tag).exists()
    page = alpha.get(url("change", rule.pk))
    assert page.status_code == 200 and 'value="big"' in page.content.decode()
    assert "the tag is removed" in page.content.decode()  # the untagging help
    response = alpha.post(url("change", rule.pk), form(tag="large", name="Large"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.tag.name, rule.name) == ("large", "Large")
    response = alpha.post(url("delete", rule.pk), {"post": "yes"})
    assert response.status_code == 302 and not SmartTagRule.objects.exists()


def test_bad_conditions_and_loops_are_form_errors(alpha, tenant_a):
    bad = {"field": "owner__password", "op": "eq", "value": "x"}
    response = alpha.post(url("add"), form(condition=json.dumps(bad)))
    assert response.status_code == 200
    assert "Unknown field" in str(response.context["adminform"].form.errors["condition"])
    loop = {"field": "tags", "op": "has", "value": "big"}
    response = alpha.post(url("add"), form(condition=json.dumps(loop)))
    assert "reads the tag it sets" in str(response.context["adminform"].form.errors["condition"])
    assert not SmartTagRule.objects.exists()


def test_apply_now_tags_and_says_how_many(alpha, tenant_a):
    rule = tag_rule_create(tenant=tenant_a, by=OPERATOR, data={"tag": "big", "condition": BIG})
    off = tag_rule_create(
        tenant=tenant_a, by=OPERATOR, data={"tag": "off", "condition": BIG, "is_active": False}
    )
    CustomerFactory(tenant=tenant_a, total_spent=Decimal(5000))
    CustomerFactory(tenant=tenant_a, total_spent=Decimal(5000))
    response = alpha.post(
        url("changelist"),
        {"action": "apply_selected", "_selected_action": [rule.pk, off.pk]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert "the rule tagging “big”: 2 customer(s) tagged." in shown
    assert any("inactive" in m for m in shown)
    assert CustomerTag.objects.filter(tag=rule.tag).count() == 2


def test_another_tenants_rule_is_a_404(alpha, tenant_b):
    foreign = tag_rule_create(tenant=tenant_b, by=OPERATOR, data={"tag": "b", "condition": BIG})
    assert alpha.get(url("change", foreign.pk)).status_code == 404
    assert alpha.get(url("changelist")).context["cl"].result_count == 0


def test_agents_have_no_rule_admin(client, agent_a):
    agent_a.user.is_staff = True
    agent_a.user.save()
    client.force_login(agent_a.user)
    assert client.get(url("changelist")).status_code == 403
