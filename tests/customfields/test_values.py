"""Custom values through the API: every type's validation, required fields, history, capture,
overflow into JSON, filters and ordering by key, and two tenants sharing a slot."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.models import Customer
from customfields.models import FieldDefinition, FieldHistory
from customfields.services.definitions import definition_create, industry_template_apply
from tenancy.actors import OPERATOR

URL = "/api/v1/customers/"


def define(tenant, key, field_type, **extra):
    label = extra.pop("field_label", key.replace("_", " ").capitalize())
    return definition_create(
        tenant=tenant,
        by=OPERATOR,
        data={"field_key": key, "field_label": label, "field_type": field_type, **extra},
    )


@pytest.fixture
def fields(tenant_a):
    return {
        "nickname": define(tenant_a, "nickname", "text", validation_rules={"max_length": 10}),
        "code": define(
            tenant_a,
            "code",
            "text",
            validation_rules={
                "pattern": r"[A-Z]{3}-\d{3}",
                "pattern_message": "looks like ABC-123.",
            },
        ),
        "points": define(tenant_a, "points", "number", validation_rules={"min": 0, "max": 1000}),
        "joined": define(tenant_a, "joined", "date", validation_rules={"min": "2000-01-01"}),
        "vip": define(tenant_a, "vip", "boolean"),
        "work_email": define(tenant_a, "work_email", "email"),
        "mobile": define(tenant_a, "mobile", "phone"),
        "site": define(tenant_a, "site", "url"),
        "tier": define(tenant_a, "tier", "select", select_options=["Gold", "Silver", "Bronze"]),
    }


@pytest.fixture
def client(api, manager_a):
    return api(manager_a)


def create(client, **custom):
    return client.post(URL, {"first_name": "Ann", "custom_fields": custom}, format="json")


GOOD = [
    ("nickname", "  Annie ", "Annie"),
    ("code", "ABC-123", "ABC-123"),
    ("points", "12.5", 12.5),
    ("points", 7, 7.0),
    ("joined", "2020-02-29", "2020-02-29"),
    ("vip", "yes", True),
    ("vip", "0", False),
    ("vip", True, True),
    ("vip", "FALSE", False),
    ("work_email", "ann@corp.example", "ann@corp.example"),
    ("mobile", "+1 (555) 010-9999", "+15550109999"),
    ("site", "https://corp.example/about", "https://corp.example/about"),
    ("tier", "gold", "Gold"),
]


@pytest.mark.parametrize("key, given, stored", GOOD)
def test_each_type_coerces_good_input(client, fields, key, given, stored):
    response = create(client, **{key: given})
    assert response.status_code == 201, response.json()
    assert response.json()["custom_fields"][key] == stored


BAD = [
    ("nickname", "far too long a name", "Nickname must be at most 10 characters."),
    ("nickname", 42, "Nickname must be text."),
    ("code", "abc-123", "Code looks like ABC-123."),
    ("points", "lots", "Points must be a number."),
    ("points", "1.234", "Points can have at most 2 decimal places."),
    ("points", -1, "Points must be at least 0."),
    ("points", 1001, "Points must be at most 1000."),
    ("points", True, "Points must be a number."),
    ("joined", "29/02/2020", "Joined must be a date in YYYY-MM-DD form."),
    ("joined", "1999-12-31", "Joined must be on or after 2000-01-01."),
    ("vip", "maybe", "Vip must be yes or no (true/false, 1/0)."),
    ("work_email", "ann@", "Work email must be an email address."),
    ("mobile", "12-34", "Mobile must be a phone number of 7 to 15 digits, e.g. +44 20 7946 0958."),
    ("site", "ftp://corp.example", "Site must be a web address starting with http:// or https://."),
    (
        "site",
        "javascript:alert(1)",
        "Site must be a web address starting with http:// or https://.",
    ),
    ("tier", "Platinum", "Tier must be one of: Gold, Silver, Bronze."),
]


@pytest.mark.parametrize("key, given, message", BAD)
def test_bad_values_are_400_naming_the_field_by_label_and_write_nothing(
    client, fields, key, given, message
):
    response = create(client, **{key: given})
    assert response.status_code == 400
    assert response.json() == {"custom_fields": {key: [message]}}
    assert not Customer.objects.exists()
    assert not FieldHistory.objects.exists()


def test_core_and_custom_errors_come_back_together(client, fields):
    response = client.post(
        URL, {"first_name": "", "custom_fields": {"points": -5, "ghost": 1}}, format="json"
    )
    body = response.json()
    assert "first_name" in body
    assert set(body["custom_fields"]) == {"points", "ghost"}
    assert body["custom_fields"]["ghost"] == ["Unknown custom field."]


def test_required_fields_on_create_and_update(client, tenant_a):
    define(tenant_a, "medical_id", "text", field_label="National ID", is_required=True)
    response = client.post(URL, {"first_name": "Ann"}, format="json")
    assert response.status_code == 400
    assert response.json()["custom_fields"] == {"medical_id": ["National ID is required."]}
    response = create(client, medical_id="X1")
    assert response.status_code == 201
    url = f"{URL}{response.json()['id']}/"
    cleared = client.patch(url, {"custom_fields": {"medical_id": ""}}, format="json")
    assert cleared.status_code == 400
    assert client.patch(url, {"first_name": "Annie"}, format="json").status_code == 200
    assert Customer.objects.get().custom_text_1 == "X1"


def test_every_change_is_in_the_history(client, fields, manager_a):
    customer_id = create(client, points=10, tier="Gold").json()["id"]
    client.patch(
        f"{URL}{customer_id}/custom-fields/", {"points": 25, "tier": "Gold"}, format="json"
    )
    client.patch(f"{URL}{customer_id}/custom-fields/", {"points": None}, format="json")
    rows = client.get(f"{URL}{customer_id}/field-history/").json()["results"]
    summary = [(r["field_key"], r["old_value"], r["new_value"], r["reason"]) for r in rows]
    assert summary == [
        ("points", "25.00", None, ""),
        ("points", "10.00", "25.00", ""),
        ("tier", None, "Gold", "created"),
        ("points", None, "10.00", "created"),
    ]
    assert {r["changed_by"] for r in rows} == {"alpha-manager"}
    only = client.get(f"{URL}{customer_id}/field-history/", {"field_key": "tier"}).json()
    assert only["count"] == 1


def test_capture_coerces_raw_text_and_records_it(client, fields):
    customer_id = create(client).json()["id"]
    url = f"{URL}{customer_id}/custom-fields/vip/capture/"
    response = client.post(url, {"text": " Yes "}, format="json")
    assert response.status_code == 200 and response.json() == {"field_key": "vip", "value": True}
    bad = client.post(
        f"{URL}{customer_id}/custom-fields/points/capture/", {"text": "many"}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json() == {"custom_fields": {"points": ["Points must be a number."]}}
    unknown = client.post(
        f"{URL}{customer_id}/custom-fields/ghost/capture/", {"text": "x"}, format="json"
    )
    assert unknown.status_code == 400
    history = FieldHistory.objects.get(field_key="vip")
    assert (history.new_value, history.reason) == ("yes", "captured")


def test_overflow_fields_behave_like_slot_fields(client, tenant_a):
    for n in range(15):
        define(tenant_a, f"n{n}", "number")
    score = define(tenant_a, "score", "number", field_label="Score", validation_rules={"min": 0})
    assert score.mapped_field_name is None and score.storage == "custom_fields_extra.score"
    ids = {v: create(client, score=v).json()["id"] for v in (5, 30, 12.5)}
    create(client)  # no score
    assert create(client, score=-1).json() == {
        "custom_fields": {"score": ["Score must be at least 0."]}
    }

    def firsts(params):
        return [r["custom_fields"]["score"] for r in client.get(URL, params).json()["results"]]

    assert firsts({"cf_score__gte": 10, "ordering": "cf_score"}) == [12.5, 30.0]
    assert firsts({"ordering": "-cf_score"}) == [30.0, 12.5, 5.0, None]
    assert firsts({"ordering": "cf_score"}) == [5.0, 12.5, 30.0, None]
    assert firsts({"cf_score": "5"}) == [5.0]
    assert firsts({"cf_score__in": "5,30"}) == [30.0, 5.0]
    customer = Customer.objects.get(pk=ids[30])
    assert customer.custom_fields_extra == {"score": 30.0}
    client.patch(f"{URL}{ids[30]}/custom-fields/", {"score": 31}, format="json")
    assert FieldHistory.objects.filter(field_key="score", customer_id=ids[30]).count() == 2


def test_slot_fields_filter_and_sort(client, fields):
    for n, (points, tier, joined) in enumerate(
        [(10, "Gold", "2021-05-01"), (200, "Silver", "2022-01-15"), (50, "Gold", "2023-07-04")]
    ):
        create(client, points=points, tier=tier, joined=joined, nickname=f"nick{n}", vip=n == 1)

    def points(params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.json()
        return [r["custom_fields"]["points"] for r in response.json()["results"]]

    assert points({"cf_tier": "gold", "ordering": "cf_points"}) == [10.0, 50.0]
    assert points({"cf_points__gte": 50, "cf_points__lte": 200, "ordering": "-cf_points"}) == [
        200.0,
        50.0,
    ]
    assert points({"cf_joined__gte": "2022-01-01", "ordering": "cf_joined"}) == [200.0, 50.0]
    assert points({"cf_tier__in": "Silver,Bronze"}) == [200.0]
    assert points({"cf_vip": "yes"}) == [200.0]
    assert points({"cf_nickname__contains": "ICK1"}) == [200.0]
    assert points({"cf_tier": "Gold", "cf_points__gte": 20}) == [50.0]


def customer_queries(captured) -> list[str]:
    """The statements that read customer rows (not counts) among the captured ones."""
    return [
        q["sql"]
        for q in captured
        if 'FROM "crm_customer"' in q["sql"]
        and "LIMIT" in q["sql"]
        and not q["sql"].startswith("SELECT COUNT(")  # the list's capped count
    ]


def test_ordering_by_a_slot_field_puts_empty_values_last_and_reads_them_apart(client, fields):
    """`cf_x` / `-cf_x` put customers without a value last. The slot's index is partial (values
    only), so the customers with a value are read in one query (the index order, no NULLS LAST
    to sort by) and the empty ones in another; filtered on the same field there are no empty
    ones, and one query with a plain DESC serves it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for points in (10, 200, 50):
        create(client, points=points, tier="Gold")
    create(client, tier="Gold")  # no points
    create(client, tier="Silver")  # no points

    def points(params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.json()
        return [r["custom_fields"]["points"] for r in response.json()["results"]]

    assert points({"ordering": "-cf_points"}) == [200.0, 50.0, 10.0, None, None]
    assert points({"ordering": "cf_points"}) == [10.0, 50.0, 200.0, None, None]
    assert points({"ordering": "cf_points,-updated_at"}) == [10.0, 50.0, 200.0, None, None]
    pages = [points({"ordering": "-cf_points", "page_size": 2, "page": n}) for n in (1, 2, 3)]
    assert pages == [[200.0, 50.0], [10.0, None], [None]]
    assert client.get(URL, {"ordering": "-cf_points", "page_size": 2}).json()["count"] == 5

    with CaptureQueriesContext(connection) as captured:
        assert points({"cf_tier": "Gold", "ordering": "-cf_points"}) == [200.0, 50.0, 10.0, None]
    reads = customer_queries(captured)
    assert len(reads) == 2 and not any("NULLS LAST" in sql for sql in reads)
    assert "IS NOT NULL" in reads[0] and "DESC" in reads[0].split("ORDER BY")[1]
    assert "IS NULL" in reads[1].replace("IS NOT NULL", "")

    with CaptureQueriesContext(connection) as captured:
        assert points({"cf_points__gte": 20, "ordering": "-cf_points"}) == [200.0, 50.0]
    [read] = customer_queries(captured)
    order_by = read.split("ORDER BY", 1)[1]
    assert "DESC" in order_by and "NULLS LAST" not in order_by and "IS NULL" not in order_by


@pytest.mark.parametrize(
    "params, name",
    [
        ({"cf_ghost": "1"}, "cf_ghost"),
        ({"cf_points__gte": "lots"}, "cf_points__gte"),
        ({"cf_points__contains": "1"}, "cf_points__contains"),
        ({"cf_tier__like": "G"}, "cf_tier__like"),
        ({"cf_vip__gte": "1"}, "cf_vip__gte"),
        ({"cf_tier": "Platinum"}, "cf_tier"),
        ({"ordering": "cf_ghost"}, "ordering"),
    ],
)
def test_bad_custom_filters_are_400(client, fields, params, name):
    response = client.get(URL, params)
    assert response.status_code == 400 and name in response.json()


def test_two_tenants_share_a_slot_and_never_see_each_others_values(
    api, admin_a, admin_b, tenant_a, tenant_b
):
    mine = define(tenant_a, "insurer", "text")
    theirs = define(tenant_b, "favourite_band", "text")
    assert mine.mapped_field_name == theirs.mapped_field_name == "custom_text_1"
    alpha, beta = api(admin_a), api(admin_b)
    create(alpha, insurer="Acme Mutual")
    create(beta, favourite_band="The Slots")
    assert [r["custom_fields"] for r in alpha.get(URL).json()["results"]] == [
        {"insurer": "Acme Mutual"}
    ]
    assert [r["custom_fields"] for r in beta.get(URL).json()["results"]] == [
        {"favourite_band": "The Slots"}
    ]
    assert alpha.get(URL, {"cf_insurer": "The Slots"}).json()["count"] == 0
    assert alpha.get(URL, {"cf_favourite_band": "The Slots"}).status_code == 400


@pytest.mark.parametrize("overflow", [False, True])
def test_deleting_a_field_clears_its_values_before_the_slot_is_reused(
    client, api, admin_a, tenant_a, overflow
):
    if overflow:
        for n in range(30):
            define(tenant_a, f"t{n}", "text")
    define(tenant_a, "old_field", "text")
    customer_id = create(client, old_field="secret").json()["id"]
    admin = api(admin_a)
    assert admin.delete("/api/v1/custom-fields/old_field/").status_code == 204
    new = admin.post(
        "/api/v1/custom-fields/",
        {"field_key": "old_field", "field_label": "New meaning", "field_type": "text"},
        format="json",
    ).json()
    assert (new["mapped_field_name"] is None) is overflow
    values = client.get(f"{URL}{customer_id}/custom-fields/").json()
    assert values["old_field"] is None
    customer = Customer.objects.get(pk=customer_id)
    assert "old_field" not in customer.custom_fields_extra
    assert "secret" not in str([getattr(customer, f"custom_text_{n}") for n in range(1, 31)])
    assert FieldHistory.objects.filter(field_key="old_field", definition__isnull=True).exists()


def test_deactivated_fields_are_hidden_but_kept(client, api, admin_a, fields):
    customer_id = create(client, points=42).json()["id"]
    admin = api(admin_a)
    admin.patch("/api/v1/custom-fields/points/", {"is_active": False}, format="json")
    assert "points" not in client.get(f"{URL}{customer_id}/").json()["custom_fields"]
    assert client.get(URL, {"cf_points": 42}).status_code == 400
    assert FieldDefinition.objects.get(field_key="points").mapped_field_name == "custom_number_1"
    admin.patch("/api/v1/custom-fields/points/", {"is_active": True}, format="json")
    assert client.get(f"{URL}{customer_id}/").json()["custom_fields"]["points"] == 42.0


def test_numbers_keep_two_decimals(client, fields):
    create(client, points="999.99")
    assert Customer.objects.get().custom_number_1 == Decimal("999.99")


def test_templates_apply_idempotently(tenant_a):
    first = industry_template_apply(tenant=tenant_a, by=OPERATOR, industry="healthcare")
    assert first["created"] == [
        "medical_id",
        "insurance_type",
        "last_visit_date",
        "chronic_conditions",
        "emergency_contact_phone",
    ]
    second = industry_template_apply(tenant=tenant_a, by=OPERATOR, industry="healthcare")
    assert second == {"created": [], "skipped": first["created"]}
    retail = industry_template_apply(tenant=tenant_a, by=OPERATOR, industry="retail")
    assert "birth_date" in retail["created"]
    assert FieldDefinition.objects.filter(tenant=tenant_a).count() == 10


def test_an_update_writes_only_what_changed(tenant_a, fields):
    """Someone else's change to another column, made after this customer was loaded, is not
    overwritten by an update of one field (core or custom); a bad value still writes nothing."""
    from crm.services.customers import customer_create, customer_update

    created = customer_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Ann", "company": "Old"}, custom_fields={}
    )
    stale = Customer.objects.get(pk=created.pk)
    Customer.objects.filter(pk=created.pk).update(company="New Co")
    customer_update(customer=stale, by=OPERATOR, data={"first_name": "Anna"})
    stale = Customer.objects.get(pk=created.pk)
    Customer.objects.filter(pk=created.pk).update(company="Newer Co")
    customer_update(customer=stale, by=OPERATOR, data={}, custom_fields={"points": "12.5"})
    saved = Customer.objects.get(pk=created.pk)
    assert (saved.first_name, saved.company) == ("Anna", "Newer Co")
    assert saved.custom_fields_extra == {} and fields["points"].mapped_field_name
    assert getattr(saved, fields["points"].mapped_field_name) == Decimal("12.50")
    with pytest.raises(ValidationError):
        customer_update(customer=saved, by=OPERATOR, data={"email": "nope"}, custom_fields={})
    assert Customer.objects.get(pk=created.pk).email == ""
