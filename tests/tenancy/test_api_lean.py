"""The API's lists written from rows (tenancy.api.lean): the lead and customer lists take that
path, write what DRF's own path writes for the same request (in any tenant's zone, with custom
values in slots and in the JSON overflow, tags, empty relations), count without the joins of
the related codes, and a serializer field a row cannot give sends the list through DRF."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from crm.api.customers import CustomerSerializer, CustomerViewSet
from crm.api.leads import LeadSerializer, LeadViewSet
from crm.models import Customer, Lead, LeadChannel, LeadSource, LeadSubSource
from crm.services.customers import customer_create
from crm.services.leads import lead_create, lead_update
from tenancy.actors import OPERATOR
from tenancy.api.lean import LeanListMixin, Unreadable, _row_class, build_plan
from tests.crm.customers import define
from tests.factories import CustomerFactory, LeadFactory

LEADS = "/api/v1/leads/"
CUSTOMERS = "/api/v1/customers/"


@pytest.fixture
def leads(tenant_a, agent_a):
    social = LeadSource.objects.get(tenant=tenant_a, source_code="SOCIAL")
    lead_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "first_name": "Zoë",
            "last_name": "Ångström",
            "email": "zoe@example.com",
            "status": "QUALIFIED",
            "source": social,
            "sub_source": LeadSubSource.objects.get(source=social, sub_source_code="FACEBOOK"),
            "channel": LeadChannel.objects.get(tenant=tenant_a, channel_code="PAID"),
            "assigned_to": agent_a.user,
            "lead_score": 95,
            "probability": Decimal("0.5"),
            "estimated_value": Decimal("99999.99"),
            "expected_close_date": date(2027, 1, 31),
            "last_contact_date": timezone.now() - timedelta(days=40, hours=5),
            "next_follow_up_date": timezone.now() + timedelta(hours=7),
            "notes": "Line one\nline two — « quoted »",
        },
        tags=["zeta", "alpha", "mid"],
    )
    LeadFactory(tenant=tenant_a, first_name="Plain", email="plain@example.com")
    LeadFactory(tenant=tenant_a, first_name="Won", status="WON", lead_score=99)


def both_paths(client, url, params, monkeypatch) -> tuple[dict, dict]:
    """The same request written from rows, then by DRF (the lean plan turned off)."""
    lean = client.get(url, params)
    assert lean.status_code == 200, lean.content
    with monkeypatch.context() as m:
        m.setattr(LeanListMixin, "lean_plan", lambda self: None)
        drf = client.get(url, params)
    assert drf.status_code == 200
    return lean.json(), drf.json()


def test_the_lead_and_customer_lists_are_written_from_rows():
    assert build_plan(LeadSerializer(context={}), Lead, LeadViewSet.lean_extras)
    assert build_plan(CustomerSerializer(context={}), Customer, CustomerViewSet.lean_extras)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
@pytest.mark.parametrize(
    "params",
    [{}, {"ordering": "-lead_score"}, {"is_hot_leads_only": "true"}, {"tags": "mid"}],
)
def test_lead_rows_are_what_drf_writes(api, manager_a, tenant_a, leads, zone, params, monkeypatch):
    tenant_a.timezone = zone
    tenant_a.save(update_fields=["timezone"])
    lean, drf = both_paths(api(manager_a), LEADS, params, monkeypatch)
    assert lean == drf
    assert lean["results"]
    if zone != "UTC" and not params:
        stamp = lean["results"][0]["created_at"]
        assert not stamp.endswith("Z")  # written in the tenant's zone, as DRF does


def test_an_agents_lead_rows_are_what_drf_writes(api, agent_a, leads, monkeypatch):
    lean, drf = both_paths(api(agent_a), LEADS, {}, monkeypatch)
    assert lean == drf
    assert {row["first_name"] for row in lean["results"]} >= {"Zoë"}


def test_the_rows_say_what_the_lead_says(api, manager_a, tenant_a, leads):
    # A tag added later has the higher ids, and still comes first by name.
    lead = Lead.objects.get(tenant=tenant_a, first_name="Zoë")
    lead_update(lead=lead, by=OPERATOR, data={}, tags=["zeta", "alpha", "mid", "aardvark"])
    (row,) = api(manager_a).get(LEADS, {"search": "zoe"}).json()["results"]
    assert row["tags"] == ["aardvark", "alpha", "mid", "zeta"]
    assert (row["source"], row["sub_source"], row["channel"]) == ("SOCIAL", "FACEBOOK", "PAID")
    assert row["is_hot_lead"] is True and row["days_since_last_contact"] == 40
    assert row["estimated_value"] == "99999.99"


@pytest.fixture
def customers(tenant_a):
    define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold", "Silver"])
    define(tenant_a, "points", "Loyalty points", "number", validation_rules={"min": 0})
    for n in range(10):  # every select slot, then one in the JSON overflow
        define(tenant_a, f"pick_{n}", f"Pick {n}", "select", select_options=["A", "B"])
    overflow = define(tenant_a, "pick_extra", "Pick extra", "select", select_options=["X", "Y"])
    assert not overflow.in_slot
    customer_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "Vera", "email": "vera@example.com", "total_spent": Decimal("9.5")},
        tags=["gold", "early"],
        custom_fields={"tier": "Gold", "points": 120, "pick_extra": "Y", "pick_3": "B"},
    )
    CustomerFactory(tenant=tenant_a, first_name="Wim")


@pytest.mark.parametrize(
    "params", [{}, {"ordering": "first_name"}, {"ordering": "-cf_points"}, {"tags": "gold"}]
)
def test_customer_rows_are_what_drf_writes(api, manager_a, customers, params, monkeypatch):
    lean, drf = both_paths(api(manager_a), CUSTOMERS, params, monkeypatch)
    assert lean == drf
    vera = next(row for row in lean["results"] if row["first_name"] == "Vera")
    assert vera["custom_fields"]["pick_extra"] == "Y" and vera["custom_fields"]["points"] == 120
    assert vera["tags"] == ["early", "gold"]


def test_the_capped_count_joins_no_related_table(api, manager_a, leads):
    with CaptureQueriesContext(connection) as queries:
        assert api(manager_a).get(LEADS).status_code == 200
    (count,) = [q["sql"] for q in queries if "COUNT(" in q["sql"] and '"crm_lead"' in q["sql"]]
    assert "crm_leadsource" not in count and "JOIN" not in count
    (page,) = [
        q["sql"] for q in queries if "COUNT(" not in q["sql"] and "crm_leadsource" in q["sql"]
    ]
    assert '"crm_leadsource"."source_code" AS "source__source_code"' in page  # values(), no models


def test_another_tenants_tags_never_reach_a_row(api, manager_a, tenant_a, tenant_b, leads):
    """The tags are read by lead id and tenant: another tenant's link to the same lead id
    (a corrupt row) would not show."""
    other = LeadFactory(tenant=tenant_b, first_name="Theirs")
    lead_create(tenant=tenant_b, by=OPERATOR, data={"first_name": "B", "email": "b@b.example"})
    rows = api(manager_a).get(LEADS).json()["results"]
    assert other.pk not in {row["id"] for row in rows}
    assert {row["first_name"] for row in rows} == {"Zoë", "Plain", "Won"}


# ---------------------------------------------------------------------------------------------
# What a row cannot give


class Base(serializers.ModelSerializer):
    class Meta:
        model = Lead
        fields = ["id", "first_name"]


class WithMethod(Base):
    shout = serializers.SerializerMethodField()

    def get_shout(self, lead):
        return lead.first_name.upper()

    class Meta(Base.Meta):
        fields = [*Base.Meta.fields, "shout"]


class WithTagObjects(Base):
    tags = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(Base.Meta):
        fields = [*Base.Meta.fields, "tags"]


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadSource
        fields = ["source_code", "description"]


class WithNestedSource(Base):
    source = SourceSerializer(read_only=True)

    class Meta(Base.Meta):
        fields = [*Base.Meta.fields, "source"]


class WithWholeObject(Base):
    everything = serializers.CharField(source="*", read_only=True)

    class Meta(Base.Meta):
        fields = [*Base.Meta.fields, "everything"]


class ThroughNullable(Base):
    # DRF leaves this key out of a lead without a sub-source (no null allowed); a row would
    # read None, so the plan refuses it.
    sub_code = serializers.CharField(source="sub_source.sub_source_code", read_only=True)

    class Meta(Base.Meta):
        fields = [*Base.Meta.fields, "sub_code"]


@pytest.mark.parametrize(
    "serializer_class",
    [WithMethod, WithTagObjects, WithNestedSource, WithWholeObject, ThroughNullable],
)
def test_a_field_a_row_cannot_give_is_unreadable(serializer_class):
    with pytest.raises(Unreadable):
        build_plan(serializer_class(context={}), Lead, {})


def test_plain_columns_and_properties_are_readable():
    class Plain(Base):
        class Meta(Base.Meta):
            fields = [*Base.Meta.fields, "is_hot_lead", "created_at", "source", "customer"]

    plan = build_plan(Plain(context={}), Lead, {})
    assert set(plan.lookups) == {"id", "first_name", "created_at", "source_id", "customer_id"}


def test_a_list_without_a_plan_goes_through_drf(api, manager_a, leads, monkeypatch):
    monkeypatch.setattr(LeadViewSet, "serializer_class", WithMethod)
    monkeypatch.setattr(
        LeadViewSet, "get_queryset", lambda self: Lead.objects.filter(tenant=self.tenant)
    )
    rows = api(manager_a).get(LEADS, {"ordering": "first_name"}).json()["results"]
    assert [row["shout"] for row in rows] == ["PLAIN", "WON", "ZOË"]


def test_a_row_has_its_models_properties_and_key():
    row = _row_class(Lead)({"id": 7, "first_name": "Ada", "last_name": "Byron"})
    assert row.pk == 7 and row.full_name == "Ada Byron"  # full_name is Lead's property
