"""segments/ in the API: CRUD with the rebuild in the background, members, rebuild, preview,
the customer list's `segment` filter, the timeline entries, roles and refusals; and a segment
as a campaign audience."""

import pytest

from campaigns.models import CampaignExecution
from campaigns.services.launch import campaign_launch
from crm.models import Segment
from crm.services.customers import customer_update
from tenancy.actors import OPERATOR
from tests.campaigns.conftest import channel
from tests.campaigns.factories import CampaignFactory
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ACME = {"field": "company", "op": "eq", "value": "Acme"}
LIST = "/api/v1/segments/"


@pytest.fixture
def people(tenant_a, tenant_b):
    return {
        "ada": CustomerFactory(tenant=tenant_a, first_name="Ada", company="Acme"),
        "bob": CustomerFactory(tenant=tenant_a, first_name="Bob", company="Acme"),
        "cy": CustomerFactory(tenant=tenant_a, first_name="Cy", company="Globex"),
        "zed": CustomerFactory(tenant=tenant_b, first_name="Zed", company="Acme"),
    }


def create(client, capture, **data):
    with capture(execute=True):
        response = client.post(LIST, {"name": "Acme", "conditions": ACME, **data}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_create_builds_the_members_in_the_background(
    manager, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = manager.post(LIST, {"name": "Acme", "conditions": ACME}, format="json")
    body = response.json()
    assert response.status_code == 201, body
    assert (body["status"], body["customer_count"]) == ("queued", 0)
    assert len(callbacks) == 1
    callbacks[0]()
    body = manager.get(f"{LIST}{body['id']}/").json()
    assert body["customer_count"] == 2
    assert (body["status"], body["processed"], body["total"]) == ("idle", 3, 3)
    assert body["rebuilt_at"] is not None
    assert set(body) >= {"id", "name", "conditions", "color", "order", "is_active", "description"}


def test_members_filter_and_timeline(manager, people, django_capture_on_commit_callbacks):
    segment = create(manager, django_capture_on_commit_callbacks)
    members = manager.get(f"{LIST}{segment['id']}/customers/").json()
    assert {row["first_name"] for row in members["results"]} == {"Ada", "Bob"}
    assert "custom_fields" in members["results"][0]
    listed = manager.get("/api/v1/customers/", {"segment": segment["id"]}).json()
    assert {row["first_name"] for row in listed["results"]} == {"Ada", "Bob"}

    customer_update(customer=people["ada"], by=OPERATOR, data={"company": "Globex"})
    timeline = manager.get(f"/api/v1/customers/{people['ada'].pk}/timeline/").json()
    kinds = [entry["kind"] for entry in timeline["results"] if entry["kind"].startswith("seg")]
    assert kinds == ["segment_left"]  # the segment's first build recorded no "entered"
    customer_update(customer=people["ada"], by=OPERATOR, data={"company": "Acme"})
    timeline = manager.get(f"/api/v1/customers/{people['ada'].pk}/timeline/").json()
    kinds = [entry["kind"] for entry in timeline["results"] if entry["kind"].startswith("seg")]
    assert kinds == ["segment_entered", "segment_left"]
    assert manager.get(f"{LIST}{segment['id']}/").json()["customer_count"] == 2


def test_changing_the_condition_rebuilds(manager, people, django_capture_on_commit_callbacks):
    segment = create(manager, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.patch(
            f"{LIST}{segment['id']}/",
            {"conditions": {"field": "company", "op": "eq", "value": "Globex"}},
            format="json",
        )
    assert response.status_code == 200, response.content
    assert manager.get(f"{LIST}{segment['id']}/").json()["customer_count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(f"{LIST}{segment['id']}/rebuild/")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"


def test_preview_counts_a_condition_not_saved(manager, people):
    response = manager.post(f"{LIST}preview/", {"conditions": ACME}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    assert {c["name"].split()[0] for c in body["customers"]} == {"Ada", "Bob"}
    assert set(body["customers"][0]) == {"id", "name", "email"}
    bad = manager.post(f"{LIST}preview/", {"conditions": {"field": "x"}}, format="json")
    assert bad.status_code == 400
    assert "Unknown field 'x'" in bad.json()["conditions"][0]


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (
            {"conditions": {"field": "tenant__name", "op": "eq", "value": "x"}},
            "conditions",
            "Unknown",
        ),
        ({"conditions": {"field": "company", "op": "regex", "value": "x"}}, "conditions", "regex"),
        ({"conditions": {"segment": 999999}}, "conditions", "Unknown segment 999999"),
        ({"conditions": [1]}, "conditions", "object"),
        ({"color": "red"}, "color", "colour"),
        ({"name": ""}, "name", "blank"),
        ({"name": "a\x00b"}, "name", "Null"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(manager, data, field, words):
    response = manager.post(LIST, {"name": "S", "conditions": {}, **data}, format="json")
    assert response.status_code == 400, response.content
    assert words in " ".join(response.json()[field])


def test_names_are_unique_per_tenant_whatever_the_case(
    manager, api, admin_b, django_capture_on_commit_callbacks
):
    create(manager, django_capture_on_commit_callbacks, name="VIP")
    again = manager.post(LIST, {"name": "vip", "conditions": {}}, format="json")
    assert again.status_code == 400 and "exists already" in again.json()["name"][0]
    other = api(admin_b).post(LIST, {"name": "VIP", "conditions": {}}, format="json")
    assert other.status_code == 201


def test_a_cycle_through_the_api_is_refused(manager, django_capture_on_commit_callbacks):
    first = create(manager, django_capture_on_commit_callbacks, name="First", conditions={})
    second = create(
        manager,
        django_capture_on_commit_callbacks,
        name="Second",
        conditions={"segment": first["id"]},
    )
    response = manager.patch(
        f"{LIST}{first['id']}/", {"conditions": {"segment": second["id"]}}, format="json"
    )
    assert response.status_code == 400
    assert (
        f"Segment {first['id']} refers back to itself through {second['id']}"
        in response.json()["conditions"][0]
    )
    # a referenced segment is not deleted from under the other
    refused = manager.delete(f"{LIST}{first['id']}/")
    assert refused.status_code == 400 and "Second" in refused.json()["detail"][0]
    assert manager.delete(f"{LIST}{second['id']}/").status_code == 204
    assert manager.delete(f"{LIST}{first['id']}/").status_code == 204


def test_agents_read_and_do_not_write(api, agent_a, manager, django_capture_on_commit_callbacks):
    segment = create(manager, django_capture_on_commit_callbacks)
    agent = api(agent_a)
    assert agent.get(f"{LIST}{segment['id']}/").status_code == 200
    assert agent.post(LIST, {"name": "Mine", "conditions": {}}, format="json").status_code == 403
    assert agent.post(f"{LIST}{segment['id']}/rebuild/").status_code == 403


def test_another_tenants_segment_is_a_404(
    api, admin_b, manager, django_capture_on_commit_callbacks
):
    segment = create(manager, django_capture_on_commit_callbacks)
    other = api(admin_b)
    for url in (f"{LIST}{segment['id']}/", f"{LIST}{segment['id']}/customers/"):
        assert other.get(url).status_code == 404
    assert other.post(f"{LIST}{segment['id']}/rebuild/").status_code == 404
    bad = other.get("/api/v1/customers/", {"segment": segment["id"]})
    assert bad.status_code == 400 and "segment" in bad.json()


def test_a_campaign_to_a_segment_sends_to_its_members(
    tenant_a, people, django_capture_on_commit_callbacks
):
    segment = Segment.objects.create(tenant=tenant_a, name="Acme", conditions=ACME)
    email = channel(tenant_a, "EMAIL")
    campaign = CampaignFactory(
        tenant=tenant_a,
        budget=10,
        channels=[email],
        contents=[{"channel": email, "subject": "Hi", "body": "<p>Hello</p>"}],
        audience={"segment": segment.pk},
    )
    with django_capture_on_commit_callbacks(execute=False):
        campaign_launch(by=OPERATOR, campaign=campaign)
    reached = CampaignExecution.objects.filter(campaign=campaign).values_list(
        "customer__first_name", flat=True
    )
    assert sorted(reached) == ["Ada", "Bob"]
