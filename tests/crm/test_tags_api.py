"""tags/ in the API: CRUD with counts, search and ordering, merge, 400s with field messages,
roles, and another tenant's tag (a 404, absent from lists). Customers and leads keep `tags` as
a list of names and follow a rename."""

import pytest
from django.urls import reverse

from crm.models import CustomerTagChange, Tag
from tests.crm.customers import customer


@pytest.fixture
def tagged(tenant_a, tenant_b):
    ada = customer(tenant_a, "Ada", tags=["vip", "gold"])
    customer(tenant_a, "Ben", tags=["vip"])
    customer(tenant_b, "Zed", tags=["vip", "secret"])
    return {"ada": ada, "vip": Tag.objects.get(tenant=tenant_a, name="vip")}


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_list_counts_and_hides_other_tenants_tags(manager, tagged):
    listed = {row["name"]: row for row in rows(manager.get(reverse("tag-list")))}
    assert set(listed) == {"gold", "vip"}
    vip = listed["vip"]
    assert (vip["customer_count"], vip["lead_count"], vip["id"]) == (2, 0, tagged["vip"].pk)
    assert set(vip) == {"id", "name", "color", "description", "customer_count", "lead_count"}
    ordered = rows(manager.get(reverse("tag-list"), {"ordering": "-customer_count"}))
    assert [row["name"] for row in ordered] == ["vip", "gold"]
    assert [row["name"] for row in rows(manager.get(reverse("tag-list"), {"search": "GO"}))] == [
        "gold"
    ]


def test_create_edit_and_delete(manager, tagged):
    made = manager.post(reverse("tag-list"), {"name": "Hot", "color": "#ff0000"}, format="json")
    assert made.status_code == 201, made.content
    assert made.json() | {"id": 0} == {
        "id": 0,
        "name": "hot",
        "color": "#ff0000",
        "description": "",
        "customer_count": 0,
        "lead_count": 0,
    }
    url = reverse("tag-detail", args=[tagged["vip"].pk])
    renamed = manager.patch(url, {"name": "very-important"}, format="json")
    assert renamed.status_code == 200, renamed.content
    assert (renamed.json()["name"], renamed.json()["customer_count"]) == ("very-important", 2)
    ada = manager.get(reverse("customer-detail", args=[tagged["ada"].pk])).json()
    assert sorted(ada["tags"]) == ["gold", "very-important"]
    assert manager.delete(url).status_code == 204
    ada = manager.get(reverse("customer-detail", args=[tagged["ada"].pk])).json()
    assert ada["tags"] == ["gold"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"name": "gold"}, "name"),
        ({"name": "ok", "color": "blue"}, "color"),
        ({"name": "ok", "description": "d" * 501}, "description"),
        ({"name": "ok\x00"}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(manager, tagged, body, field):
    response = manager.post(reverse("tag-list"), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_rename_to_a_name_in_use_says_merge(manager, tagged):
    url = reverse("tag-detail", args=[tagged["vip"].pk])
    response = manager.patch(url, {"name": "GOLD"}, format="json")
    assert response.status_code == 400
    assert "merge" in response.json()["name"][0]


def test_merge_answers_the_kept_tag(manager, tenant_a, tagged):
    gold = Tag.objects.get(tenant=tenant_a, name="gold")
    url = reverse("tag-merge", args=[tagged["vip"].pk])
    response = manager.post(url, {"into": gold.pk}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["customer_count"]) == (gold.pk, 2)
    assert not Tag.objects.filter(pk=tagged["vip"].pk).exists()
    assert CustomerTagChange.objects.filter(tag_name="vip", added=False).count() == 2


def test_merge_refuses_itself_another_tenants_tag_and_nonsense(manager, tenant_b, tagged):
    url = reverse("tag-merge", args=[tagged["vip"].pk])
    theirs = Tag.objects.get(tenant=tenant_b, name="secret")
    for body in (
        {"into": tagged["vip"].pk},
        {"into": theirs.pk},
        {"into": "x"},
        {"into": 2**80},
        {},
        {"into": 1, "extra": 1},
    ):
        response = manager.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
    assert Tag.objects.filter(pk=tagged["vip"].pk).exists()


def test_another_tenants_tag_is_a_404(manager, tenant_b, tagged):
    theirs = Tag.objects.get(tenant=tenant_b, name="secret")
    url = reverse("tag-detail", args=[theirs.pk])
    assert manager.get(url).status_code == 404
    assert manager.patch(url, {"name": "mine"}, format="json").status_code == 404
    assert manager.delete(url).status_code == 404
    merge = manager.post(reverse("tag-merge", args=[theirs.pk]), {"into": tagged["vip"].pk})
    assert merge.status_code == 404
    assert Tag.objects.get(pk=theirs.pk).name == "secret"


def test_agents_read_tags_but_do_not_manage_them(api, agent_a, tagged):
    agent = api(agent_a)
    assert len(rows(agent.get(reverse("tag-list")))) == 2
    url = reverse("tag-detail", args=[tagged["vip"].pk])
    assert agent.get(url).status_code == 200
    assert agent.post(reverse("tag-list"), {"name": "new"}, format="json").status_code == 403
    assert agent.patch(url, {"name": "x"}, format="json").status_code == 403
    assert agent.delete(url).status_code == 403
    assert Tag.objects.filter(pk=tagged["vip"].pk, name="vip").exists()
