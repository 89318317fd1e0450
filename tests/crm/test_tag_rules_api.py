"""tag-rules/: CRUD and apply/ over the rule services; 400s name the field (a bad condition its
part, a loop the rules), agents read but do not write, another tenant's rule is a 404."""

from decimal import Decimal

import pytest

from crm.models import CustomerTag, SmartTagRule
from crm.services.tag_rules import tag_rule_create
from tenancy.actors import OPERATOR
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/tag-rules/"
BIG = {"field": "total_spent", "op": "gte", "value": 1000}


def test_create_answers_the_rule_with_its_tag_by_name_and_tags_existing_customers(
    manager, tenant_a
):
    rich = CustomerFactory(tenant=tenant_a, total_spent=Decimal(1500))
    response = manager.post(
        URL,
        {"tag": " Big Spender ", "name": "Spent 1000+", "condition": BIG},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tag"] == "big spender"
    assert body["is_active"] is True and body["untag_when_unmatched"] is False
    assert set(body) == {
        "id",
        "tag",
        "name",
        "condition",
        "is_active",
        "untag_when_unmatched",
        "created_at",
        "updated_at",
    }
    assert CustomerTag.objects.filter(customer=rich, tag__name="big spender").exists()


def test_list_detail_update_delete(manager, tenant_a):
    rule = tag_rule_create(tenant=tenant_a, by=OPERATOR, data={"tag": "big", "condition": BIG})
    listed = manager.get(URL).json()["results"]
    assert [r["id"] for r in listed] == [rule.pk]
    assert manager.get(f"{URL}{rule.pk}/").json()["tag"] == "big"
    response = manager.patch(
        f"{URL}{rule.pk}/", {"tag": "large", "is_active": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["tag"] == "large" and response.json()["is_active"] is False
    assert manager.get(URL, {"is_active": "true"}).json()["results"] == []
    assert manager.delete(f"{URL}{rule.pk}/").status_code == 204
    assert not SmartTagRule.objects.exists()


def test_apply_answers_how_many_it_tagged(manager, tenant_a):
    rule = tag_rule_create(tenant=tenant_a, by=OPERATOR, data={"tag": "big", "condition": BIG})
    for _ in range(3):
        CustomerFactory(tenant=tenant_a, total_spent=Decimal(2000))
    response = manager.post(f"{URL}{rule.pk}/apply/")
    assert response.status_code == 200
    assert response.json() == {"tagged": 3}
    assert manager.post(f"{URL}{rule.pk}/apply/").json() == {"tagged": 0}


def test_applying_an_inactive_rule_is_a_400(manager, tenant_a):
    rule = tag_rule_create(
        tenant=tenant_a, by=OPERATOR, data={"tag": "big", "condition": BIG, "is_active": False}
    )
    response = manager.post(f"{URL}{rule.pk}/apply/")
    assert response.status_code == 400
    assert "inactive" in response.json()["detail"][0]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"condition": BIG}, "tag", "required"),
        ({"tag": "", "condition": BIG}, "tag", "blank"),
        ({"tag": "x" * 51, "condition": BIG}, "tag", "50"),
        ({"tag": "x"}, "condition", "required"),
        ({"tag": "x", "condition": {}}, "condition", "bulk edit"),
        ({"tag": "x", "condition": []}, "condition", "bulk edit"),
        ({"tag": "x", "condition": "vip"}, "condition", "object"),
        (
            {"tag": "x", "condition": {"all": [BIG, {"field": "owner__password", "op": "eq"}]}},
            "condition",
            "all[1].field: Unknown field 'owner__password'",
        ),
        (
            {"tag": "x", "condition": {"field": "total_spent", "op": "gte", "value": 10**30}},
            "condition",
            "value: Give a number between",
        ),
        ({"tag": "x", "condition": BIG, "is_active": "maybe"}, "is_active", "boolean"),
        ({"tag": "x", "condition": BIG, "name": "n" * 101}, "name", "100"),
        ({"tag": "x", "condition": BIG, "colour": "red"}, "colour", "Unknown field"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(manager, body, field, words):
    response = manager.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert words in str(response.json()[field]), response.json()


def test_a_loop_is_a_400_naming_the_rules(manager, tenant_a):
    tag_rule_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"tag": "x", "name": "A", "condition": {"field": "tags", "op": "has", "value": "y"}},
    )
    response = manager.post(
        URL,
        {"tag": "y", "name": "B", "condition": {"field": "tags", "op": "has", "value": "x"}},
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["condition"][0]
    assert "“B” tags “y”, which “A” reads" in message and "“A” tags “x”, which “B” reads" in message


def test_agents_read_rules_but_do_not_write_them(api, agent_a, tenant_a):
    rule = tag_rule_create(tenant=tenant_a, by=OPERATOR, data={"tag": "big", "condition": BIG})
    agent = api(agent_a)
    assert agent.get(URL).status_code == 200
    assert agent.get(f"{URL}{rule.pk}/").status_code == 200
    assert agent.post(URL, {"tag": "x", "condition": BIG}, format="json").status_code == 403
    assert agent.patch(f"{URL}{rule.pk}/", {"name": "x"}, format="json").status_code == 403
    assert agent.post(f"{URL}{rule.pk}/apply/").status_code == 403
    assert agent.delete(f"{URL}{rule.pk}/").status_code == 403


def test_admins_write_rules(api, admin_a):
    response = api(admin_a).post(URL, {"tag": "x", "condition": BIG}, format="json")
    assert response.status_code == 201


def test_another_tenants_rule_is_a_404_and_never_listed(manager, tenant_b):
    foreign = tag_rule_create(tenant=tenant_b, by=OPERATOR, data={"tag": "b", "condition": BIG})
    assert manager.get(URL).json()["results"] == []
    for method in ("get", "patch", "delete"):
        assert getattr(manager, method)(f"{URL}{foreign.pk}/").status_code == 404
    assert manager.post(f"{URL}{foreign.pk}/apply/").status_code == 404
    assert SmartTagRule.objects.filter(pk=foreign.pk).exists()


def test_a_tag_named_like_another_tenants_is_this_tenants_own(manager, tenant_a, tenant_b):
    foreign = tag_rule_create(tenant=tenant_b, by=OPERATOR, data={"tag": "b", "condition": BIG})
    response = manager.post(URL, {"tag": "b", "condition": BIG}, format="json")
    assert response.status_code == 201
    mine = SmartTagRule.objects.get(pk=response.json()["id"])
    assert mine.tag.tenant == tenant_a and mine.tag != foreign.tag
