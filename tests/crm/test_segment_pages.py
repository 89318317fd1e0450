"""The segment pages: the list with colours, counts and status in words; the builder (the same
rows as campaign audiences, offering only the operators each field takes) with every error at
once; editing; the progress part that polls only while a rebuild waits or runs; "Rebuild now";
delete after a question that says how many; the customer list's saved-view tabs; agents
reading only. Another tenant's segment is a 404 and never offered (and the two-tenant walks:
tests/tenancy/test_page_walk.py, test_security_headers.py)."""

import pytest
from django.urls import reverse

from crm.conditions import field_operators
from crm.forms.conditions import ConditionBuilder, operator_choices
from crm.models import RebuildStatus, Segment
from crm.services.segments import segment_create, segment_rebuild
from customfields.services.values import active_definitions
from tenancy.actors import OPERATOR
from tests.crm.customers import customer, define

pytestmark = pytest.mark.django_db


def builder_data(*rules, combinator="all", **fields):
    data = {
        "name": "VIP",
        "description": "",
        "color": "#b45309",
        "order": "1",
        "is_active": "on",
        "editor": "rules",
        "combinator": combinator,
        "rule-TOTAL_FORMS": str(len(rules)),
        "rule-INITIAL_FORMS": "0",
        "rule-MIN_NUM_FORMS": "0",
        "rule-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, (field, op, value) in enumerate(rules):
        key = "segment" if field == "segment" else "value"
        data.update({f"rule-{i}-field": field, f"rule-{i}-op": op, f"rule-{i}-{key}": value})
    return data


def make(tenant, name, conditions, **extra):
    segment = segment_create(
        tenant=tenant, by=OPERATOR, data={"name": name, "conditions": conditions, **extra}
    )
    segment_rebuild(segment_id=segment.pk)
    return Segment.objects.get(pk=segment.pk)


@pytest.fixture
def people(tenant_a, tenant_b):
    ada = customer(tenant_a, "Ada", tags=["vip"])
    ben = customer(tenant_a, "Ben", tags=["vip"])
    cy = customer(tenant_a, "Cy")
    customer(tenant_b, "Zed", tags=["vip"])
    return {"ada": ada, "ben": ben, "cy": cy}


VIP = {"field": "tags", "op": "has", "value": "vip"}


def test_the_list_shows_order_colour_counts_status_and_member_links(login, manager_a, people):
    vip = make(manager_a.tenant, "VIP", VIP, order=2, color="#b45309", description="Best")
    every = make(manager_a.tenant, "Everyone", {}, order=1)
    Segment.objects.filter(pk=vip.pk).update(status=RebuildStatus.RUNNING, processed=2, total=5)
    response = login(manager_a).get(reverse("crm:segment-list"))
    body = response.content.decode()
    assert [row["segment"].name for row in response.context["rows"]] == ["Everyone", "VIP"]
    assert [row["segment"].customer_count for row in response.context["rows"]] == [3, 2]
    assert "--tag-colour: #b45309" in body and "Best" in body
    assert "Rebuilding… 40%" in body and "Up to date" in body
    assert f"{reverse('crm:customer-list')}?segment={vip.pk}" in body
    assert f"{reverse('crm:customer-list')}?segment={every.pk}" in body
    assert f'href="{reverse("crm:segment-list")}" aria-current="page">Segments<' in body
    Segment.objects.filter(pk=vip.pk).update(status=RebuildStatus.FAILED, error="Unknown field")
    assert (
        "Failed: Unknown field"
        in login(manager_a).get(reverse("crm:segment-list")).content.decode()
    )


def test_create_with_every_error_at_once_then_save_rebuilds(
    login, manager_a, people, django_capture_on_commit_callbacks
):
    client = login(manager_a)
    make(manager_a.tenant, "Taken", {})
    url = reverse("crm:segment-create")
    bad = builder_data(("crm_score", "contains", "x"), name="taken", color="red")
    response = client.post(url, bad)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Rule 1: Operator: Choose one of the operators offered for this field." in body
    assert "Colour:" in body  # the field's own error, beside the rule's
    assert Segment.objects.count() == 1
    # The service's errors (the name taken, the condition refused) come back together.
    bad = builder_data(("tags", "has", "vip"), ("segment", "in", "999999"), name="taken")
    response = client.post(url, bad)
    errors = response.context["builder"].errors
    assert "Rule 2: Segment: Choose one of the segments." in errors
    response = client.post(url, builder_data(("custom.nope", "is_set", ""), name="Taken"))
    assert response.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, builder_data(("tags", "has", "vip")))
    segment = Segment.objects.get(name="VIP")
    assert response.status_code == 302
    assert response["Location"] == reverse("crm:segment-detail", args=[segment.pk])
    assert segment.conditions == {"all": [VIP]}
    assert segment.status == RebuildStatus.IDLE and segment.memberships.count() == 2
    page = client.get(response["Location"])
    assert page.context["segment"].customer_count == 2
    assert "Up to date" in page.content.decode() and "Ada" in page.content.decode()


def test_the_service_refusal_shows_name_and_condition_together(login, manager_a, people):
    client = login(manager_a)
    taken = make(manager_a.tenant, "Taken", {})
    cycle = make(manager_a.tenant, "Loop", {"segment": taken.pk})
    data = builder_data(("segment", "in", str(cycle.pk)), name="Loop")
    response = client.post(reverse("crm:segment-edit", args=[taken.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "A segment named “Loop” exists already." in body
    assert "refers back to itself" in body


def test_edit_shows_the_saved_rows_and_saves_a_segment_reference(login, manager_a, people):
    client = login(manager_a)
    vip = make(manager_a.tenant, "VIP", VIP)
    other = make(manager_a.tenant, "Other", {"all": [{"not": {"segment": vip.pk}}]})
    response = client.get(reverse("crm:segment-edit", args=[other.pk]))
    row = response.context["builder"].rules.forms[0]
    assert (row.initial["field"], row.initial["op"], row.initial["segment"]) == (
        "segment",
        "not_in",
        vip.pk,
    )
    assert response.context["count"]["count"] == 1  # Cy, live
    data = builder_data(("segment", "in", str(vip.pk)), name="Other")
    assert client.post(reverse("crm:segment-edit", args=[other.pk]), data).status_code == 302
    other.refresh_from_db()
    assert other.conditions == {"all": [{"segment": vip.pk}]}


def test_the_builder_offers_only_the_operators_each_field_takes(tenant_a):
    define(tenant_a, "points", "Loyalty points", "number")
    define(tenant_a, "joined", "Joined", "date")
    definitions = active_definitions(tenant_a)
    ops = {
        name: [op for op, _ in operator_choices(name, definitions)]
        for name in (
            "custom.points",
            "custom.joined",
            "first_name",
            "created_at",
            "tags",
            "activity.note_added",
            "segment",
        )
    }
    assert "ne" not in ops["custom.points"] and "contains" not in ops["custom.points"]
    assert set(ops["custom.points"]) == {"eq", "gte", "lte", "in", "is_set", "is_empty"}
    assert "more_than_days_ago" in ops["custom.joined"]
    assert set(ops["first_name"]) == field_operators("first_name", definitions=definitions)
    assert "within_last_days" in ops["created_at"] and "contains" not in ops["created_at"]
    assert set(ops["tags"]) == {"has", "has_any", "has_all", "has_none"}
    assert set(ops["activity.note_added"]) == {"within_last_days", "is_set", "is_empty"}
    assert ops["segment"] == ["in", "not_in"]
    builder = ConditionBuilder(
        definitions=definitions, condition={"field": "custom.points", "op": "gte", "value": 5}
    )
    offered = [value for value, _ in builder.rules.forms[0].fields["op"].choices]
    assert offered == ["", "eq", "gte", "lte", "in", "is_set", "is_empty"]
    assert builder.operators["custom.points"][0] == ["eq", "is"]


def test_relative_dates_and_activity_rows_compile(login, manager_a, people):
    client = login(manager_a)
    data = builder_data(
        ("created_at", "within_last_days", "30"), ("activity.note_added", "is_empty", "")
    )
    response = client.post(reverse("crm:segment-preview"), data, HTTP_HX_REQUEST="true")
    assert response.context["errors"] == [] and response.context["count"]["count"] == 3


def test_the_live_preview_counts_and_lists_the_first_members(login, manager_a, people):
    client = login(manager_a)
    url = reverse("crm:segment-preview")
    response = client.post(url, builder_data(("tags", "has", "vip")), HTTP_HX_REQUEST="true")
    assert response.context["count"]["count"] == 2
    assert {c.first_name for c in response.context["members"]} == {"Ada", "Ben"}
    assert "Zed" not in response.content.decode()
    json = {"editor": "json", "condition": '{"field": "nope", "op": "eq", "value": 1}'}
    response = client.post(url, json, HTTP_HX_REQUEST="true")
    assert "Unknown field 'nope'" in " ".join(response.context["errors"])


def test_the_progress_part_polls_only_while_rebuilding(login, manager_a, people):
    client = login(manager_a)
    vip = make(manager_a.tenant, "VIP", VIP)
    url = reverse("crm:segment-status", args=[vip.pk])
    idle = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in idle and "Up to date" in idle and "<progress" not in idle
    Segment.objects.filter(pk=vip.pk).update(status=RebuildStatus.RUNNING, processed=1, total=4)
    running = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in running and 'value="25"' in running
    assert "Rebuilding… 25%" in running
    Segment.objects.filter(pk=vip.pk).update(status=RebuildStatus.QUEUED)
    assert "hx-trigger" in client.get(url).content.decode()
    Segment.objects.filter(pk=vip.pk).update(status=RebuildStatus.FAILED, error="Boom")
    failed = client.get(url).content.decode()
    assert "hx-trigger" not in failed and "Failed: Boom" in failed


def test_rebuild_now_queues_and_rebuilds(
    login, manager_a, people, django_capture_on_commit_callbacks
):
    vip = make(manager_a.tenant, "VIP", VIP)
    vip.memberships.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(manager_a).post(reverse("crm:segment-rebuild", args=[vip.pk]))
    assert response.status_code == 302
    assert vip.memberships.count() == 2


def test_delete_asks_saying_how_many_and_keeps_the_customers(login, manager_a, people):
    client = login(manager_a)
    vip = make(manager_a.tenant, "VIP", VIP)
    url = reverse("crm:segment-delete", args=[vip.pk])
    body = client.get(url).content.decode()
    assert "Delete segment VIP (2 customers)?" in body and "Customers are not deleted." in body
    response = client.post(url, follow=True)
    assert not Segment.objects.filter(pk=vip.pk).exists()
    assert people["ada"].__class__.objects.filter(tenant=manager_a.tenant).count() == 3
    assert "Segment “VIP” deleted (2 customers kept)." in response.content.decode()


def test_agents_read_segments_but_change_nothing(login, agent_a, people):
    vip = make(agent_a.tenant, "VIP", VIP)
    client = login(agent_a)
    body = client.get(reverse("crm:segment-list")).content.decode()
    assert "VIP" in body and reverse("crm:segment-create") not in body
    assert client.get(reverse("crm:segment-detail", args=[vip.pk])).status_code == 200
    for name in ("crm:segment-edit", "crm:segment-delete"):
        assert client.get(reverse(name, args=[vip.pk])).status_code == 403
    assert client.post(reverse("crm:segment-rebuild", args=[vip.pk])).status_code == 403
    assert client.get(reverse("crm:segment-create")).status_code == 403


def test_customer_list_tabs_with_counts_filter_and_keep_the_other_filters(
    login, manager_a, tenant_b, people
):
    theirs = make(tenant_b, "Theirs", {})
    vip = make(manager_a.tenant, "VIP", VIP, order=2, color="#b45309")
    make(manager_a.tenant, "Off", {}, is_active=False)
    everyone = make(manager_a.tenant, "Everyone", {}, order=1)
    client = login(manager_a)
    response = client.get(reverse("crm:customer-list"))
    tabs = response.context["segment_tabs"]
    assert [(s.name, s.customer_count) for s in tabs] == [("Everyone", 3), ("VIP", 2)]
    body = response.content.decode()
    assert "Theirs" not in body and ">Off<" not in body
    assert 'name="segment" value="" checked' in body
    response = client.get(reverse("crm:customer-list"), {"segment": vip.pk, "search": "Ada"})
    assert [row["customer"].first_name for row in response.context["rows"]] == ["Ada"]
    assert f'value="{vip.pk}" checked' in response.content.decode()
    assert everyone.pk != vip.pk
    foreign = client.get(reverse("crm:customer-list"), {"segment": theirs.pk})
    assert foreign.context["rows"] == [] and "Theirs" not in foreign.content.decode()


def test_bulk_all_matching_includes_the_segment(login, manager_a, people):
    vip = make(manager_a.tenant, "VIP", VIP)
    client = login(manager_a)
    data = {
        "scope": "all",
        "query": f"segment={vip.pk}",
        "action": "add_tags",
        "tags": "gold",
        "next": reverse("crm:customer-list"),
    }
    response = client.post(reverse("crm:customer-bulk"), data)
    assert "Add tag gold to 2 customers?" in response.content.decode()


def test_foreign_segments_are_404_and_never_offered(login, manager_a, tenant_b, people):
    theirs = make(tenant_b, "Theirs", {})
    client = login(manager_a)
    for name in ("crm:segment-detail", "crm:segment-edit", "crm:segment-status"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    for name in ("crm:segment-rebuild", "crm:segment-delete"):
        assert client.post(reverse(name, args=[theirs.pk])).status_code == 404
    assert Segment.objects.filter(pk=theirs.pk).exists()
    assert "Theirs" not in client.get(reverse("crm:segment-create")).content.decode()
    data = builder_data(("segment", "in", str(theirs.pk)))
    response = client.post(reverse("crm:segment-preview"), data, HTTP_HX_REQUEST="true")
    assert response.context["count"]["count"] is None
    assert "Rule 1: Segment: Choose one of the segments." in response.context["errors"]
