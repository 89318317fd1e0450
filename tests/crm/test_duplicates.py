"""Duplicate detection (crm.selectors.duplicates): by email (case and spaces folded), by phone
(stored normalised), by similar name within a company (and city when the tenant has one):
trigram similarity on PostgreSQL — a Cyrillic and a Greek pair included — and equal names on
SQLite. Never across tenants."""

import pytest
from django.db import connection

from crm.models import Customer
from crm.selectors.duplicates import (
    NAME_SIMILARITY,
    _components,
    duplicate_groups,
    duplicates_of,
    group_for,
)
from crm.services.customers import customer_create
from tenancy.actors import OPERATOR
from tests.crm.customers import define

pytestmark = pytest.mark.django_db

ON_PG = connection.vendor == "postgresql"


def make(tenant, first, last="", **data):
    custom = data.pop("custom", None)
    return customer_create(
        tenant=tenant,
        by=OPERATOR,
        data={"first_name": first, "last_name": last, **data},
        custom_fields=custom,
    )


def groups(tenant, reason=None):
    return [(g.reason, g.customers) for g in duplicate_groups(tenant=tenant, reason=reason)]


def test_same_email_whatever_the_case_and_spaces(tenant_a):
    ann = make(tenant_a, "Ann", "Lee", email="Ann.Lee@Example.COM")
    other = make(tenant_a, "A.", "Lee", email="ann.lee@example.com")
    make(tenant_a, "Bob", "Ray", email="bob@example.com")
    make(tenant_a, "Nobody", "Here")  # no email: matches nothing
    make(tenant_a, "Nobody", "Else")
    assert groups(tenant_a, "email") == [("email", [ann.pk, other.pk])]


def test_same_phone_as_stored_normalised(tenant_a):
    one = make(tenant_a, "Ann", phone="+1 (555) 123-4567")
    two = make(tenant_a, "Anna", phone="+15551234567")
    make(tenant_a, "Cy", phone="+15551234568")
    assert one.phone == two.phone == "+15551234567"
    assert groups(tenant_a, "phone") == [("phone", [one.pk, two.pk])]


def test_names_are_grouped_within_a_company_only(tenant_a):
    one = make(tenant_a, "Ann", "Lee", company="Acme")
    two = make(tenant_a, "ann", "lee ", company=" ACME")
    make(tenant_a, "Ann", "Lee", company="Globex")  # another company
    make(tenant_a, "Ann", "Lee")  # no company: no scope
    make(tenant_a, "Ann", "Lee")
    assert groups(tenant_a, "name") == [("name", [one.pk, two.pk])]


@pytest.mark.skipif(not ON_PG, reason="trigram similarity is PostgreSQL's")
def test_similar_names_by_trigrams_latin_cyrillic_and_greek(tenant_a):
    jon = make(tenant_a, "Jon", "Smithson", company="Acme")
    john = make(tenant_a, "John", "Smithson", company="Acme")
    anna = make(tenant_a, "Анна", "Петрова", company="Ромашка")
    ana = make(tenant_a, "Ана", "Петрова", company="Ромашка")
    giorgos = make(tenant_a, "Γιώργος", "Παπαδόπουλος", company="Ολυμπος")
    giorgos2 = make(tenant_a, "Γιωργος", "Παπαδοπουλος", company="ολυμπος")  # no accents
    make(tenant_a, "Мария", "Иванова", company="Ромашка")  # a different person there
    make(tenant_a, "Zed", "Quill", company="Acme")
    assert groups(tenant_a, "name") == [
        ("name", [jon.pk, john.pk]),
        ("name", [anna.pk, ana.pk]),
        ("name", [giorgos.pk, giorgos2.pk]),
    ]
    matches = duplicates_of(
        tenant=tenant_a,
        values={"first_name": "Анна", "last_name": "Петровa", "company": "ромашка"},
    )
    assert [m.customer.pk for m in matches] == [anna.pk, ana.pk]


@pytest.mark.skipif(not ON_PG, reason="trigram similarity is PostgreSQL's")
def test_the_signature_bound_skips_no_similar_pair(tenant_a):
    """Every pair of one block whose similarity() reaches the threshold — asked of the
    database pair by pair — is grouped, at, just above and just below the threshold, non-Latin
    and with repeated trigrams included: the bound before similarity() drops none."""
    firsts = ["Ann", "Anna", "Annie", "Anne", "Annabel", "Ana", "Anya", "Aino", "Anouk", "Ann-Li"]
    lasts = ["Lee", "Leigh", "Lea", "Leeson", "Li", "Lé", "Lee Lee", "Lehane", "Löw", "Lyle"]
    people = [make(tenant_a, f, la, company="Acme") for f in firsts for la in lasts[:5]]
    people += [make(tenant_a, f, "Лебедев", company="Acme") for f in ("Андрей", "Анд", "Ан")]
    people += [
        make(tenant_a, "Aaa", "Laaa", company="Acme"),
        make(tenant_a, "Aa", "La", company="Acme"),
    ]
    names = {p.pk: p.name_key for p in Customer.objects.filter(pk__in=[p.pk for p in people])}
    pairs = []
    with connection.cursor() as cursor:
        for i, a in enumerate(people):
            for b in people[i + 1 :]:
                cursor.execute("SELECT similarity(%s, %s)", [names[a.pk], names[b.pk]])
                if cursor.fetchone()[0] >= NAME_SIMILARITY:
                    pairs.append((a.pk, b.pk))
    assert any(a != b for a, b in pairs)
    assert groups(tenant_a, "name") == [("name", ids) for ids in sorted(_components(pairs))]


@pytest.mark.skipif(ON_PG, reason="SQLite's rule: equal names")
def test_sqlite_groups_equal_names_only_non_latin_too(tenant_a):
    anna = make(tenant_a, "Анна", "Петрова", company="Ромашка")
    anna2 = make(tenant_a, "Анна", "Петрова", company="Ромашка")
    make(tenant_a, "Ана", "Петрова", company="Ромашка")  # similar, not equal: not on SQLite
    assert groups(tenant_a, "name") == [("name", [anna.pk, anna2.pk])]


def test_groups_are_connected_and_one_per_customer(tenant_a):
    a = make(tenant_a, "Ann", "Lee", email="ann@x.example")
    b = make(tenant_a, "Ann", "Lee", email="ANN@x.example")
    c = make(tenant_a, "Ann", "Lee")
    # Stored before addresses were validated (an old import): spaces around it.
    Customer.objects.filter(pk=c.pk).update(email=" ann@x.example ")
    assert groups(tenant_a, "email") == [("email", [a.pk, b.pk, c.pk])]


def test_city_field_narrows_the_name_scope(tenant_a):
    define(tenant_a, "city", "City", "text")
    london = make(tenant_a, "Ann", "Lee", company="Acme", custom={"city": "London"})
    london2 = make(tenant_a, "Ann", "Lee", company="acme", custom={"city": "london"})
    make(tenant_a, "Ann", "Lee", company="Acme", custom={"city": "Paris"})
    no_company = make(tenant_a, "Bo", "Day", custom={"city": "Oslo"})
    no_company2 = make(tenant_a, "Bo", "Day", custom={"city": "Oslo"})
    assert groups(tenant_a, "name") == [
        ("name", [london.pk, london2.pk]),
        ("name", [no_company.pk, no_company2.pk]),
    ]
    matches = duplicates_of(tenant=tenant_a, customer=london)
    assert [(m.customer.pk, m.reasons) for m in matches] == [(london2.pk, ["name"])]


def test_every_reason_at_once_and_the_order(tenant_a):
    a = make(tenant_a, "Ann", "Lee", email="ann@x.example", phone="+4411111111", company="Acme")
    b = make(tenant_a, "Ann", "Lee", email="ann@x.example", phone="+4411111111", company="Acme")
    assert groups(tenant_a) == [
        ("email", [a.pk, b.pk]),
        ("phone", [a.pk, b.pk]),
        ("name", [a.pk, b.pk]),
    ]
    match = duplicates_of(tenant=tenant_a, customer=b)
    assert [(m.customer.pk, m.reasons) for m in match] == [(a.pk, ["email", "phone", "name"])]
    assert match[0].reason_text == "same email, same phone, similar name"
    assert [(g.reason, g.customers) for g in group_for(tenant=tenant_a, customer=b)] == [
        ("email", [a.pk, b.pk]),
        ("phone", [a.pk, b.pk]),
        ("name", [a.pk, b.pk]),
    ]


def test_duplicates_of_values_of_a_customer_not_yet_saved(tenant_a):
    ann = make(tenant_a, "Ann", "Lee", email="ann@x.example")
    found = duplicates_of(tenant=tenant_a, values={"email": "  ANN@x.example", "first_name": "Z"})
    assert [(m.customer.pk, m.reasons) for m in found] == [(ann.pk, ["email"])]
    assert duplicates_of(tenant=tenant_a, values={"email": "", "phone": ""}) == []
    assert duplicates_of(tenant=tenant_a, customer=ann) == []


def test_never_across_tenants(tenant_a, tenant_b):
    make(tenant_a, "Ann", "Lee", email="ann@x.example", phone="+4411111111", company="Acme")
    b = make(tenant_b, "Ann", "Lee", email="ann@x.example", phone="+4411111111", company="Acme")
    assert groups(tenant_a) == [] and groups(tenant_b) == []
    assert duplicates_of(tenant=tenant_b, customer=b) == []
