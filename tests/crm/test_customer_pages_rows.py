"""The customers table's rows come from one tag (`{% customer_row %}`) with the markup the row
template had: every kind of column, escaped values, times in the current zone, tag colours; its
helpers write what Django's `conditional_escape` and `date` filter write; the filter forms'
fields from `{% form_field %}` are crm/_field.html's."""

import zoneinfo
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from pytest_django.asserts import assertHTMLEqual

from crm.models import Customer, Tag
from crm.templatetags.crm_tags import day_text, escaped, iso_text, minute_text
from crm.views.customers import CORE_COLUMNS
from tests.crm.customers import customer, define

# The row as crm/customers/_results.html wrote it before the tag.
TEMPLATE_ROW = """{% load crm_tags %}
<tr>
  <td class="select"><input type="checkbox" name="customer_ids" value="{{ row.customer.pk }}" form="customer-bulk" aria-label="Tick {{ row.customer.full_name }}"></td>
  <td><a href="{{ row.customer.get_absolute_url }}">{{ row.customer.full_name }}</a></td>
  {% for cell in row.cells %}
    <td{% if cell.kind == "number" %} class="num"{% endif %}>{% shown_value cell.kind cell.value %}</td>
  {% endfor %}
</tr>"""  # noqa: E501 (the template as it was)

TAG_ROW = "{% load crm_customer_rows %}{% customer_row row %}"
KINDS = ["text", "number", "date", "boolean", "email", "phone", "url", "select"]


def test_a_row_from_the_tag_is_the_row_the_template_wrote(login, manager_a, tenant_a):
    for kind in KINDS:
        extra = {"select_options": ["Gold", "<Silver> & co"]} if kind == "select" else {}
        define(tenant_a, f"f_{kind}", f"{kind} <field>", kind, **extra)
    Tag.objects.create(tenant=tenant_a, name="v<i>p", color="#123456")
    full = customer(
        tenant_a,
        "<Ada>",
        tags=["v<i>p", "plain & simple"],
        f_text="Engines & <Co>",
        f_number="1234.5",
        f_date="2020-05-01",
        f_boolean=True,
        f_email="ada@example.com",
        f_phone="+441234567890",
        f_url="https://x.example/?a=1&b=2",
        f_select="<Silver> & co",
    )
    Customer.objects.filter(pk=full.pk).update(
        company="A&B", crm_score=95, total_spent="1000.50", last_contacted_at=timezone.now()
    )
    customer(tenant_a, "Empty", f_boolean=False)  # the blank cells and a "No"
    client = login(manager_a)
    columns = [*CORE_COLUMNS, *(f"cf_f_{kind}" for kind in KINDS)]
    client.post(reverse("crm:customer-columns"), {"columns": columns, "filters": []})
    response = client.get(reverse("crm:customer-list"))
    html = response.content.decode()
    rows = response.context["rows"]
    assert len(rows) == 2 and len(rows[0]["cells"]) == len(columns)
    for row in rows:
        context = {"row": row, "request": response.wsgi_request}
        assert render(TAG_ROW, context) in html  # the page's own rows
        with timezone.override(zoneinfo.ZoneInfo("Asia/Kolkata")):  # times in the current zone
            tagged = render(TAG_ROW, context)
            assertHTMLEqual(tagged, render(TEMPLATE_ROW, context))
        assert "+05:30" in tagged
    assert "&lt;Ada&gt; Test</a>" in html and "<Ada>" not in html
    assert '<td class="num">1,234.50</td>' in html and '<td class="num">95</td>' in html
    assert 'style="--tag-colour: #123456">v&lt;i&gt;p</span>' in html
    assert '<a href="https://x.example/?a=1&amp;b=2" rel="noopener noreferrer">' in html
    assert f'<a href="{reverse("crm:customer-detail", args=[full.pk])}">' in html


def render(source: str, context: dict) -> str:
    return Template(source).render(Context(context))


VALUES = [
    "a & <b> \"c\" 'd'",
    "",
    mark_safe("<i>safe</i>"),
    gettext_lazy("Yes"),
    42,
    Decimal("1.50"),
    None,
    ["a", "<b>"],
    date(1, 2, 3),
    datetime(2026, 5, 1, 22, 30, 5, 1234, tzinfo=UTC),
    datetime(987, 1, 2, 3, 4),
]


@pytest.mark.parametrize("value", VALUES)
def test_the_row_helpers_write_what_the_filters_write(value):
    assert escaped(value) == conditional_escape(value)
    assert day_text(value) == date_filter(value, "Y-m-d")
    assert iso_text(value) == date_filter(value, "c")
    if type(value) is not date:  # a day has no time (the filter raises)
        assert minute_text(value) == date_filter(value, "Y-m-d H:i")


class FieldsForm(forms.Form):
    text = forms.CharField(label="Name & <title>", help_text="Up to <b>5</b> letters", max_length=5)
    tick = forms.BooleanField(label=gettext_lazy("Yes"), required=False)
    pick = forms.ChoiceField(choices=[("", "Any"), ("a", "A & B")], required=False)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    checks = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "<Y>")], widget=forms.CheckboxSelectMultiple, required=False
    )


@pytest.mark.parametrize(
    "data", [None, {}, {"text": "too long & <b>", "tick": "on", "pick": "b", "day": "no"}]
)
@pytest.mark.parametrize("wide", [False, True])
def test_a_filter_field_from_the_tag_is_the_included_field(data, wide):
    form = FieldsForm(data)
    for field in form:
        context = {"field": field, "wide": wide}
        included = render('{% include "crm/_field.html" %}', context)
        tagged = render("{% load crm_tags %}{% form_field field wide %}", context)
        assertHTMLEqual(tagged, included)
        assert ("has-error" in tagged) is bool(field.errors)
