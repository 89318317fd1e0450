"""The campaign API answers as its schema says, with real figures behind it (the contract test
fuzzes a tenant without campaigns): every figure typed, 201 for what is created and 200 for an
action, no empty enum value; and the inputs that gave a 500 are a 400 that writes nothing."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign, CampaignChannelPlan, CampaignExecution
from tests.apischema import answers_as_documented, load_schema, untyped_answers
from tests.campaigns.test_analytics import measured  # noqa: F401 - the fixture

CAMPAIGN_PATHS = (
    "/api/v1/campaigns",
    "/api/v1/campaign-executions",
    "/api/v1/customization/campaign",
    "/api/v1/customization/budget-types",
)


@pytest.fixture
def schema(db, wsgi_application):
    return load_schema(wsgi_application)


def test_every_campaign_answer_is_as_documented(schema, measured, manager_a, template_a):  # noqa: F811
    pk = {"id": measured.pk}
    day = measured.launched_at.date().isoformat()
    check = lambda *args, **kwargs: answers_as_documented(schema, manager_a, *args, **kwargs)  # noqa: E731

    figures = check("GET", "/api/v1/campaigns/{id}/analytics/", path_parameters=pk, status=200)
    assert figures["channels"] and figures["variants"] and figures["daily"]
    check("GET", "/api/v1/campaigns/{id}/audience/", path_parameters=pk, status=200)
    check(
        "POST",
        "/api/v1/campaigns/audience-count/",
        body={"audience": {"field": "tags", "op": "has", "value": "vip"}},
        status=200,
    )
    preview = check(
        "POST",
        "/api/v1/campaigns/{id}/preview/",
        path_parameters=pk,
        body={"channel": "EMAIL"},
        status=200,
    )
    assert preview["html"] is True
    check(
        "POST",
        "/api/v1/campaigns/{id}/conversions/",
        path_parameters=pk,
        body={"value": "12.50"},
        status=201,
    )
    recorded = check(
        "POST",
        "/api/v1/campaigns/{id}/ad-metrics/",
        path_parameters=pk,
        body={"channel": "FACEBOOK", "date": day, "impressions": 10, "clicks": 1, "spend": "1.00"},
        status=201,
    )
    assert isinstance(recorded, list)  # every day's figures, not a page
    check("GET", "/api/v1/campaigns/{id}/ad-metrics/", path_parameters=pk, status=200)
    check("POST", "/api/v1/campaigns/{id}/pause/", path_parameters=pk, status=200)
    check(
        "POST",
        "/api/v1/campaigns/templates/{id}/create/",
        path_parameters={"id": template_a.pk},
        body={"name": "From the template"},
        status=201,
    )
    check(
        "GET",
        "/api/v1/customization/campaigns/analytics/channel/{channel_code}/performance/",
        path_parameters={"channel_code": "FACEBOOK"},
        query={"start_date": day, "end_date": day},
        status=200,
    )
    check(
        "GET",
        "/api/v1/customization/campaigns/analytics/type/{type_code}/performance/",
        path_parameters={"type_code": "EMAIL_BLAST"},
        status=200,
    )
    trends = check(
        "GET", "/api/v1/customization/campaigns/analytics/trends/", query={"days": 7}, status=200
    )
    assert len(trends["series"]) == 7
    kept = check("DELETE", "/api/v1/campaigns/{id}/", path_parameters=pk, status=400)
    assert kept == {"detail": ["A launched campaign cannot be deleted; complete it."]}
    executions = check("GET", "/api/v1/campaign-executions/", status=200)["results"]
    # A message that was not skipped has no skip reason: null, never "".
    assert {row["skip_reason"] for row in executions} == {None, "no_email"}
    check(
        "POST",
        "/api/v1/campaigns/",
        body={"name": "Bad", "contents": [{"channel": "EMAIL", "weight": 0}]},
        status=400,
    )


def test_no_campaign_operation_answers_an_untyped_object(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert untyped_answers(paths, CAMPAIGN_PATHS) == []


def test_a_channel_named_twice_is_a_400_that_writes_nothing(api, manager_a, email_campaign):
    # It was a 500: the second channel row broke the one-plan-per-channel constraint.
    client = api(manager_a)
    twice = {"name": "Twice", "channels": ["EMAIL", "EMAIL"]}
    response = client.post(reverse("campaign-list"), twice, format="json")
    assert response.status_code == 400
    assert response.json() == {"channels": ["Name each channel once: EMAIL given twice."]}
    assert not Campaign.objects.filter(name="Twice").exists()

    plans = list(CampaignChannelPlan.objects.filter(campaign=email_campaign))
    response = client.patch(
        reverse("campaign-detail", args=[email_campaign.pk]),
        {"channels": ["EMAIL", "FACEBOOK", "EMAIL"]},
        format="json",
    )
    assert response.status_code == 400 and "channels" in response.json()
    assert list(CampaignChannelPlan.objects.filter(campaign=email_campaign)) == plans


@pytest.mark.parametrize(
    "query",
    [
        {"end_date": "0001-01-05"},  # its default start would be before year 1
        {"end_date": "9999-12-31"},  # the day after it does not exist
        {"start_date": "0001-01-01"},
    ],
)
def test_a_report_day_out_of_range_is_a_400(api, manager_a, query):
    url = reverse("campaign-channel-performance", args=["EMAIL"])
    response = api(manager_a).get(url, query)
    assert response.status_code == 400, response.content
    assert set(response.json()) == set(query)


def test_blank_report_dates_are_the_default_period(api, manager_a):
    url = reverse("campaign-channel-performance", args=["EMAIL"])
    data = api(manager_a).get(url, {"start_date": "", "end_date": ""}).json()
    assert data["start_date"] < data["end_date"]


@pytest.mark.parametrize(
    "kpis", [[1, 2], ["open_rate", {"x": 1}], "open_rate"], ids=["numbers", "object", "text"]
)
def test_kpis_are_a_list_of_names(api, manager_a, kpis):
    response = api(manager_a).post(
        reverse("campaign-list"), {"name": "K", "kpis": kpis}, format="json"
    )
    assert response.status_code == 400 and "kpis" in response.json()
    assert not CampaignExecution.objects.exists() and not Campaign.objects.exists()
