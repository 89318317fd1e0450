"""Tags as things: create, rename (every customer and lead follows, conditions are told), merge
(no duplicate links, each customer's change in its timeline, each lead's in its log), delete
(removed from all), counts (computed), and who may manage them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import CustomerTag, CustomerTagChange, LeadActivity, LeadTag, Tag
from crm.selectors.tags import tag_search, tags_with_counts
from crm.services import tags as tag_services
from crm.services.leads import lead_create
from crm.services.tags import tag_create, tag_delete, tag_merge, tag_update
from tenancy.actors import OPERATOR
from tests.crm.customers import customer
from tests.factories import LeadFactory


def tag(tenant, name):
    return Tag.objects.get(tenant=tenant, name=name)


def customer_tags(c) -> list[str]:
    return sorted(CustomerTag.objects.filter(customer=c).values_list("tag__name", flat=True))


def changes(c) -> list[tuple[str, bool]]:
    rows = CustomerTagChange.objects.filter(customer=c).order_by("pk")
    return list(rows.values_list("tag_name", "added"))


@pytest.fixture
def tagged(tenant_a):
    """Ada: vip and gold; Ben: vip; Cy: gold; a lead with vip and gold, one with vip."""
    ada = customer(tenant_a, "Ada", tags=["vip", "gold"])
    ben = customer(tenant_a, "Ben", tags=["vip"])
    cy = customer(tenant_a, "Cy", tags=["gold"])
    source = LeadFactory(tenant=tenant_a).source
    leads = [
        lead_create(
            tenant=tenant_a,
            by=OPERATOR,
            data={"first_name": name, "email": f"{name}@a.example", "source": source},
            tags=tags,
        )
        for name, tags in (("l1", ["vip", "gold"]), ("l2", ["vip"]))
    ]
    CustomerTagChange.objects.all().delete()
    return {"ada": ada, "ben": ben, "cy": cy, "leads": leads}


def test_a_new_tag_is_lower_case_with_a_palette_colour(tenant_a, manager_a):
    made = tag_create(tenant=tenant_a, by=manager_a, data={"name": "  VIP ", "description": "x"})
    assert (made.name, made.description) == ("vip", "x")
    assert made.color == tag_services.palette_color("vip")
    chosen = tag_create(tenant=tenant_a, by=manager_a, data={"name": "b", "color": "#123456"})
    assert chosen.color == "#123456"


def test_tags_set_on_first_use_get_a_palette_colour(tenant_a):
    customer(tenant_a, "Ada", tags=["brand-new"])
    assert tag(tenant_a, "brand-new").color == tag_services.palette_color("brand-new")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"name": "ok", "color": "red"}, "color"),
        ({"name": "ok", "description": "d" * 501}, "description"),
        ({"name": "ok", "tenant": 3}, "tenant"),
    ],
)
def test_bad_input_is_refused_by_field(tenant_a, manager_a, data, field):
    with pytest.raises(ValidationError) as caught:
        tag_create(tenant=tenant_a, by=manager_a, data=data)
    assert field in caught.value.message_dict
    assert not Tag.objects.for_tenant(tenant_a).exists()


def test_a_second_tag_of_the_same_name_is_refused(tenant_a, manager_a):
    tag_create(tenant=tenant_a, by=manager_a, data={"name": "vip"})
    with pytest.raises(ValidationError) as caught:
        tag_create(tenant=tenant_a, by=manager_a, data={"name": "VIP"})
    assert "exists already" in caught.value.message_dict["name"][0]


def test_agents_use_tags_but_may_not_manage_them(tenant_a, agent_a, tagged):
    vip, gold = tag(tenant_a, "vip"), tag(tenant_a, "gold")
    refused = [
        lambda: tag_create(tenant=tenant_a, by=agent_a, data={"name": "new"}),
        lambda: tag_update(tag=vip, by=agent_a, data={"name": "renamed"}),
        lambda: tag_merge(source=vip, into=gold, by=agent_a),
        lambda: tag_delete(tag=vip, by=agent_a),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied, match="admins and managers"):
            call()
    assert sorted(Tag.objects.for_tenant(tenant_a).values_list("name", flat=True)) == [
        "gold",
        "vip",
    ]


def test_a_member_of_another_tenant_may_not_manage_tags(tenant_a, admin_b, tagged):
    with pytest.raises(PermissionDenied):
        tag_delete(tag=tag(tenant_a, "vip"), by=admin_b)
    assert CustomerTag.objects.filter(tag__name="vip").count() == 2


def test_a_rename_keeps_every_customer_and_lead_and_records_no_change(tenant_a, manager_a, tagged):
    vip = tag(tenant_a, "vip")
    tag_update(tag=vip, by=manager_a, data={"name": "Gold-Plus", "color": "#000000"})
    assert customer_tags(tagged["ada"]) == ["gold", "gold-plus"]
    assert customer_tags(tagged["ben"]) == ["gold-plus"]
    assert tagged["leads"][1].tag_names() == ["gold-plus"]
    assert not CustomerTagChange.objects.exists()


def test_a_rename_to_a_name_in_use_points_to_merging(tenant_a, manager_a, tagged):
    vip = tag(tenant_a, "vip")
    with pytest.raises(ValidationError) as caught:
        tag_update(tag=vip, by=manager_a, data={"name": "GOLD"})
    assert "merge" in caught.value.message_dict["name"][0]
    assert vip.name == "vip"  # the caller's object shows what is saved
    assert tag(tenant_a, "vip").pk == vip.pk


def test_rename_and_merge_tell_the_registered_callbacks(tenant_a, manager_a, tagged):
    heard = []

    def callback(tenant, old, new):
        heard.append((tenant.pk, old, new))

    tag_services.on_tag_renamed(callback)
    tag_services.on_tag_renamed(callback)  # once is enough
    try:
        tag_update(tag=tag(tenant_a, "vip"), by=manager_a, data={"name": "very-important"})
        tag_update(tag=tag(tenant_a, "gold"), by=manager_a, data={"description": "only this"})
        tag_merge(source=tag(tenant_a, "very-important"), into=tag(tenant_a, "gold"), by=manager_a)
    finally:
        tag_services._renamed_callbacks.remove(callback)
    assert heard == [
        (tenant_a.pk, "vip", "very-important"),
        (tenant_a.pk, "very-important", "gold"),
    ]


def test_a_refused_callback_rolls_the_rename_back(tenant_a, manager_a, tagged):
    def refuse(tenant, old, new):
        raise ValidationError({"name": [f"A segment cannot follow {old} to {new}."]})

    tag_services.on_tag_renamed(refuse)
    try:
        with pytest.raises(ValidationError):
            tag_update(tag=tag(tenant_a, "vip"), by=manager_a, data={"name": "other"})
    finally:
        tag_services._renamed_callbacks.remove(refuse)
    assert tag(tenant_a, "vip")


def test_a_merge_moves_every_link_once_and_records_each_change(tenant_a, manager_a, tagged):
    vip, gold = tag(tenant_a, "vip"), tag(tenant_a, "gold")
    kept = tag_merge(source=vip, into=gold, by=manager_a)
    assert kept == gold
    assert not Tag.objects.filter(pk=vip.pk).exists()
    for name in ("ada", "ben", "cy"):
        assert customer_tags(tagged[name]) == ["gold"]
    assert [lead.tag_names() for lead in tagged["leads"]] == [["gold"], ["gold"]]
    assert CustomerTag.objects.filter(tag=gold).count() == 3  # no duplicate links
    assert LeadTag.objects.filter(tag=gold).count() == 2
    # Ada had both: only the removal; Ben gained gold; Cy is untouched.
    assert changes(tagged["ada"]) == [("vip", False)]
    assert changes(tagged["ben"]) == [("vip", False), ("gold", True)]
    assert changes(tagged["cy"]) == []
    logged = LeadActivity.objects.filter(message="Tag “vip” merged into “gold”.")
    assert sorted(logged.values_list("lead_id", flat=True)) == [x.pk for x in tagged["leads"]]


def test_a_tag_is_not_merged_into_itself_or_another_tenants(tenant_a, tenant_b, manager_a, tagged):
    vip = tag(tenant_a, "vip")
    theirs = Tag.objects.create(tenant=tenant_b, name="vip")
    for into in (vip, theirs):
        with pytest.raises(ValidationError) as caught:
            tag_merge(source=vip, into=into, by=manager_a)
        assert "into" in caught.value.message_dict
    assert CustomerTag.objects.filter(tag=vip).count() == 2


def test_a_delete_removes_the_tag_from_everyone_and_records_it(tenant_a, manager_a, tagged):
    tag_delete(tag=tag(tenant_a, "vip"), by=manager_a)
    assert customer_tags(tagged["ada"]) == ["gold"]
    assert customer_tags(tagged["ben"]) == []
    assert [lead.tag_names() for lead in tagged["leads"]] == [["gold"], []]
    assert changes(tagged["ada"]) == [("vip", False)]
    assert changes(tagged["ben"]) == [("vip", False)]
    assert changes(tagged["cy"]) == []
    assert LeadActivity.objects.filter(message="Tag “vip” deleted.").count() == 2
    assert not Tag.objects.filter(name="vip").exists()


def test_counts_are_computed_per_tag(tenant_a, tenant_b, manager_a, agent_a, tagged):
    customer(tenant_b, "Other", tags=["vip"])
    Tag.objects.create(tenant=tenant_a, name="unused")
    counts = {
        t.name: (t.customer_count, t.lead_count)
        for t in tags_with_counts(tenant=tenant_a, membership=manager_a)
    }
    assert counts == {"gold": (2, 1), "vip": (2, 2), "unused": (0, 0)}
    # An agent counts the leads they see: theirs and unassigned ones.
    tagged["leads"][0].assigned_to = manager_a.user
    tagged["leads"][0].save()
    seen = {t.name: t.lead_count for t in tags_with_counts(tenant=tenant_a, membership=agent_a)}
    assert seen == {"gold": 0, "vip": 1, "unused": 0}


def test_search_matches_part_of_a_name(tenant_a, manager_a, tagged):
    found = tag_search(tags_with_counts(tenant=tenant_a, membership=manager_a), " GO ")
    assert [t.name for t in found] == ["gold"]


def test_every_problem_is_reported_at_once(tenant_a, manager_a, tagged):
    with pytest.raises(ValidationError) as caught:
        tag_create(
            tenant=tenant_a, by=manager_a, data={"name": "VIP", "color": "red", "description": ""}
        )
    assert set(caught.value.message_dict) == {"name", "color"}
