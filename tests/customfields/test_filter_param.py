"""`custom_field_filter=<key>[__<op>]:<value>`: the form of the `cf_<key>` filters a generated
client can send (one declared, repeatable parameter). Same translation as `cf_`, same rows, and
a bad value is a 400 naming the parameter."""

import pytest

from tests.customfields.test_values import URL, client, create, fields  # noqa: F401 - fixtures

PARAM = "custom_field_filter"


@pytest.fixture
def customers(client, fields):  # noqa: F811
    for points, tier, joined in [(10, "Gold", "2021-05-01"), (200, "Silver", "2022-01-15")]:
        create(client, points=points, tier=tier, joined=joined, site="https://a.example/x:1")
    create(client, points=50, tier="Gold", joined="2023-07-04")


def points_of(client, params):  # noqa: F811
    response = client.get(URL, params)
    assert response.status_code == 200, response.json()
    return sorted(r["custom_fields"]["points"] for r in response.json()["results"])


@pytest.mark.parametrize(
    "filters, cf_form, expected",
    [
        (["points__gte:50"], {"cf_points__gte": "50"}, [50.0, 200.0]),
        (["tier:gold"], {"cf_tier": "gold"}, [10.0, 50.0]),
        (["tier__in:Silver,Bronze"], {"cf_tier__in": "Silver,Bronze"}, [200.0]),
        (["joined__lte:2022-01-15"], {"cf_joined__lte": "2022-01-15"}, [10.0, 200.0]),
        # Only the first colon separates: a value may hold colons.
        (["site:https://a.example/x:1"], {"cf_site": "https://a.example/x:1"}, [10.0, 200.0]),
        (
            ["tier:Gold", "points__gte:20"],
            {"cf_tier": "Gold", "cf_points__gte": "20"},
            [50.0],
        ),
    ],
)
def test_the_parameter_filters_as_the_cf_form_does(
    client,  # noqa: F811
    customers,
    filters,
    cf_form,
    expected,
):
    assert points_of(client, {PARAM: filters}) == expected
    assert points_of(client, cf_form) == expected


def test_both_forms_combine(client, customers):  # noqa: F811
    assert points_of(client, {PARAM: ["tier:Gold"], "cf_points__lte": "20"}) == [10.0]


@pytest.mark.parametrize(
    "value, message",
    [
        ("ghost:1", "ghost: Unknown custom field."),
        ("points__gte:lots", "points__gte: Points must be a number."),
        ("points__contains:1", "points__contains: Points can be filtered with"),
        ("tier__like:G", "tier__like: Unknown filter 'like'"),
        ("points", "'points' is not <field_key>[__<operator>]:<value>."),
        (":5", "is not <field_key>[__<operator>]:<value>."),
        ("tier:Platinum", "tier: "),
    ],
)
def test_a_bad_value_is_a_400_naming_the_parameter(client, fields, value, message):  # noqa: F811
    response = client.get(URL, {PARAM: value})
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [PARAM]
    assert body[PARAM][0].startswith(message) or message in body[PARAM][0], body


def test_every_bad_value_is_named(client, fields):  # noqa: F811
    response = client.get(URL, {PARAM: ["ghost:1", "points__gte:x", "tier:Gold"]})
    assert response.status_code == 400
    assert [m.split(":")[0] for m in response.json()[PARAM]] == ["ghost", "points__gte"]


def test_a_nul_byte_or_too_many_filters_or_values_is_a_400(client, fields):  # noqa: F811
    response = client.get(URL, {PARAM: "tier:Go\x00ld"})
    assert response.status_code == 400 and PARAM in response.json()

    response = client.get(URL, {PARAM: ["tier:Gold"] * 21})
    assert response.status_code == 400
    assert response.json() == {PARAM: ["Give at most 20 custom field filters (21 given)."]}

    many = ",".join(str(n) for n in range(10_000))
    response = client.get(URL, {PARAM: f"points__in:{many}"})
    assert response.status_code == 400
    assert "at most 100" in response.json()[PARAM][0]


def test_the_schema_declares_the_parameter_a_client_can_send(client):  # noqa: F811
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    parameters = {p["name"]: p for p in paths[URL]["get"]["parameters"]}
    declared = parameters[PARAM]
    assert declared["schema"]["type"] == "array" and declared["explode"] is True
    assert "cf_<field_key>" in declared["description"]
    # A name a client cannot send is not declared.
    assert not [name for name in parameters if "<" in name]
