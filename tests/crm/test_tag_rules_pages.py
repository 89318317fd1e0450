"""The smart-tag rules page (/tags/rules/): the rules, "Apply now" confirmed with how many
customers it tags and untags, and the add form with every error at once; agents only read."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import CustomerTag, SmartTagRule
from crm.services.tag_rules import tag_rule_create
from crm.services.tags import set_customer_tags
from tenancy.actors import OPERATOR
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LIST = reverse("crm:tag-rule-list")
BIG = {"field": "total_spent", "op": "gte", "value": 1000}


def apply_url(rule):
    return reverse("crm:tag-rule-apply", args=[rule.pk])


def test_the_list_shows_the_rules_and_the_add_form(login, manager_a, tenant_a):
    tag_rule_create(
        tenant=tenant_a, by=OPERATOR, data={"tag": "big", "name": "Big", "condition": BIG}
    )
    page = login(manager_a).get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "big" in html and "total_spent" in html and "Add a rule" in html and "Apply now" in html


def test_a_rule_added_on_the_page_is_applied(login, manager_a, tenant_a):
    rich = CustomerFactory(tenant=tenant_a, total_spent=Decimal(5000))
    body = {"tag": "Big", "name": "", "condition": json.dumps(BIG), "untag_when_unmatched": "on"}
    response = login(manager_a).post(LIST, body)
    assert response.status_code == 302
    rule = SmartTagRule.objects.get()
    assert rule.untag_when_unmatched and rule.created_by == manager_a.user
    assert CustomerTag.objects.filter(customer=rich, tag=rule.tag).exists()


def test_the_add_form_shows_every_error_at_once(login, manager_a):
    body = {"tag": "", "condition": "{not json"}
    response = login(manager_a).post(LIST, body)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"tag", "condition"}
    loop = {"tag": "vip", "condition": json.dumps({"field": "tags", "op": "has", "value": "vip"})}
    response = login(manager_a).post(LIST, loop)
    assert "reads the tag it sets" in response.content.decode()
    assert not SmartTagRule.objects.exists()


def test_apply_now_says_how_many_then_applies(login, manager_a, tenant_a):
    rule = tag_rule_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"tag": "big", "condition": BIG, "untag_when_unmatched": True, "is_active": False},
    )
    for _ in range(2):
        CustomerFactory(tenant=tenant_a, total_spent=Decimal(5000))
    poor = CustomerFactory(tenant=tenant_a, total_spent=Decimal(5))
    set_customer_tags(customer=poor, by=OPERATOR, names=["big"])
    SmartTagRule.objects.filter(pk=rule.pk).update(is_active=True)
    client = login(manager_a)
    confirm = client.get(apply_url(rule)).content.decode()
    assert "2 customers will get the tag" in confirm and "1 customer who no longer" in confirm
    response = client.post(apply_url(rule), follow=True)
    assert "2 customer(s) tagged" in response.content.decode()
    assert CustomerTag.objects.filter(tag=rule.tag).count() == 2
    assert not CustomerTag.objects.filter(customer=poor).exists()


def test_agents_read_the_rules_but_neither_add_nor_apply(login, agent_a, tenant_a):
    rule = tag_rule_create(tenant=tenant_a, by=OPERATOR, data={"tag": "big", "condition": BIG})
    client = login(agent_a)
    page = client.get(LIST).content.decode()
    assert "big" in page and "Add a rule" not in page and "Apply now" not in page
    assert client.post(LIST, {"tag": "x", "condition": json.dumps(BIG)}).status_code == 403
    assert client.get(apply_url(rule)).status_code == 403
    assert client.post(apply_url(rule)).status_code == 403


def test_another_tenants_rule_is_a_404(login, manager_a, tenant_b):
    foreign = tag_rule_create(tenant=tenant_b, by=OPERATOR, data={"tag": "b", "condition": BIG})
    client = login(manager_a)
    assert client.get(apply_url(foreign)).status_code == 404
    assert client.post(apply_url(foreign)).status_code == 404
