"""The customer profile's Activity tab is the timeline: words not codes, "Load more" (htmx)
answers with the next entries only, a kind filter, a spoilt cursor starts from the newest."""

from django.urls import reverse

from crm.services.customers import customer_create, customer_update
from crm.timeline.page import encode_cursor
from crm.timeline.registry import Position

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_customer(tenant, by, changes: int):
    ada = customer_create(
        tenant=tenant, by=by, data={"first_name": "Ada", "email": "ada@example.com"}
    )
    for n in range(changes):
        customer_update(customer=ada, by=by, data={}, tags=[f"tag{n}"])
    return ada


def test_the_tab_shows_the_timeline_in_words(login, manager_a, tenant_a):
    ada = make_customer(tenant_a, manager_a, 2)
    response = login(manager_a).get(
        reverse("crm:customer-detail", args=[ada.pk]), {"tab": "activity"}
    )
    content = response.content.decode()
    assert [e["entry"].kind for e in response.context["entries"]] == [
        "tag_added",
        "tag_removed",
        "tag_added",
    ]
    assert "Tag “tag1” added" in content and "Tag removed ·" in content
    assert "tag_removed" not in content.replace("activity-tag_removed", "").replace(
        'value="tag_removed"', ""
    )
    assert "Load more" not in content


def test_load_more_answers_htmx_with_the_next_entries_only(login, manager_a, tenant_a, settings):
    ada = make_customer(tenant_a, manager_a, 30)  # 30 added + 29 removed: two tab pages
    client = login(manager_a)
    url = reverse("crm:customer-detail", args=[ada.pk])
    first = client.get(url, {"tab": "activity"}, **HTMX)
    assert len(first.context["entries"]) == 50 and first.context["next_cursor"]
    assert "Load more" in first.content.decode()
    more = client.get(url, {"tab": "activity", "cursor": first.context["next_cursor"]}, **HTMX)
    assert [t.name for t in more.templates][0] == "crm/customers/_timeline_entries.html"
    ids = [e["entry"].id for e in first.context["entries"] + more.context["entries"]]
    assert len(ids) == len(set(ids)) == 59
    assert "Load more" not in more.content.decode()
    assert "<section" not in more.content.decode()


def test_the_kind_filter_and_a_spoilt_cursor(login, manager_a, tenant_a):
    ada = make_customer(tenant_a, manager_a, 3)
    client = login(manager_a)
    url = reverse("crm:customer-detail", args=[ada.pk])
    removed = client.get(url, {"tab": "activity", "kind": "tag_removed"})
    assert [e["entry"].kind for e in removed.context["entries"]] == ["tag_removed"] * 2
    assert '<option value="tag_removed" selected>' in removed.content.decode()
    unknown = client.get(url, {"tab": "activity", "kind": "bogus", "cursor": "spoilt"})
    assert unknown.status_code == 200 and len(unknown.context["entries"]) == 5
    older = client.get(
        url,
        {"tab": "activity", "cursor": encode_cursor(Position(ada.created_at, "zzz", 1))},
    )
    assert older.context["entries"] == [] and "‹ Newest" in older.content.decode()
