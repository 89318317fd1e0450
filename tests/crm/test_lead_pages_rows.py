"""The leads table's rows come from one tag (`{% lead_row %}`) with the markup the row template
had, and the page's choice lists are read once per request: the filter's summary, its selects
and the bulk-assign members share them, per tenant and fresh on every request."""

import zoneinfo

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertHTMLEqual

from crm.models import Lead, LeadChannel, LeadStatus, LeadSubSource, LeadTag, Tag, listed_tags
from crm.models.leads import HOT_LEAD_SCORE
from tests.crm.leads import source
from tests.factories import LeadFactory, make_member

# The row as crm/leads/_results.html wrote it before the tag.
TEMPLATE_ROW = """{% load crm_tags %}
<tr{% if lead.is_archived %} class="archived"{% endif %}>
  <td class="select"><input type="checkbox" name="lead_ids" value="{{ lead.pk }}" aria-label="Select {{ lead.full_name }}"></td>
  <td>
    <a href="{% url 'crm:lead-detail' lead.pk %}">{{ lead.full_name }}</a>
    {% if lead.is_hot_lead %}<span class="badge hot" title="Hot: score {{ hot_score }} or more, and still open">Hot</span>{% endif %}
    {% if lead.is_archived %}<span class="badge muted">Archived</span>{% endif %}
    <div class="sub">{{ lead.email|default:lead.phone }}</div>
    {% with tags=lead.listed_tags %}{% if tags %}<div class="tags">{% for tag in tags %}{% tag_chip tag.name tag.color %}{% endfor %}</div>{% endif %}{% endwith %}
  </td>
  <td>{{ lead.company|default:"—" }}</td>
  <td><span class="status status-{{ lead.status|lower }}">{{ lead.get_status_display }}</span></td>
  <td>{{ lead.source.source_name }}{% if lead.sub_source %} / {{ lead.sub_source.sub_source_name }}{% endif %}</td>
  <td class="assignee">{{ lead.assigned_to.get_username|default:"—" }}</td>
  <td class="num">{{ lead.lead_score }}</td>
  <td><time datetime="{{ lead.created_at|date:'c' }}">{{ lead.created_at|date:"Y-m-d H:i" }}</time></td>
</tr>"""  # noqa: E501 (the template as it was)


@pytest.fixture
def two_leads(tenant_a, agent_a):
    social = source(tenant_a, "SOCIAL")
    hot = LeadFactory(
        tenant=tenant_a,
        first_name="<Ada>",
        last_name="Love & Lace",
        company="Engines & Co",
        lead_score=95,
        status=LeadStatus.CONTACTED,
        source=social,
        sub_source=LeadSubSource.objects.get(source=social, sub_source_code="FACEBOOK"),
        assigned_to=agent_a.user,
    )
    for name, color in (("vip", "#123456"), ("b<r>", "#abcdef")):
        tag = Tag.objects.create(tenant=tenant_a, name=name, color=color)
        LeadTag.objects.create(tenant=tenant_a, lead=hot, tag=tag)
    gone = LeadFactory(
        tenant=tenant_a,
        first_name="Old",
        last_name="",
        email="",
        phone="+441234567890",
        company="",
        lead_score=10,
        archived_at=timezone.now(),
    )
    return hot, gone


def test_a_row_from_the_tag_is_the_row_the_template_wrote(two_leads):
    leads = Lead.objects.select_related("source", "sub_source", "assigned_to").prefetch_related(
        listed_tags()
    )
    with timezone.override(zoneinfo.ZoneInfo("Asia/Kolkata")):  # times in the current zone
        for lead in leads.filter(pk__in=[lead.pk for lead in two_leads]):
            context = {"lead": lead, "hot_score": HOT_LEAD_SCORE}
            tagged = Template("{% load crm_lead_rows %}{% lead_row lead %}").render(
                Context(context)
            )
            assertHTMLEqual(tagged, Template(TEMPLATE_ROW).render(Context(context)))
            assert "<Ada>" not in tagged and "b<r>" not in tagged  # escaped


def test_the_page_shows_the_rows(login, manager_a, two_leads):
    hot, gone = two_leads
    html = login(manager_a).get(reverse("crm:lead-list"), {"include_archived": "on"})
    html = html.content.decode()
    assert f'<a href="{reverse("crm:lead-detail", args=[hot.pk])}">&lt;Ada&gt; Love &amp; Lace' in (
        html
    )
    assert f'value="{gone.pk}" aria-label="Select Old"' in html
    assert '<tr class="archived">' in html and ">Hot</span>" in html
    assert f"{hot.source.source_name} / {hot.sub_source.sub_source_name}</td>" in html


def _statements(queries, table: str) -> int:
    return sum(f'FROM "{table}"' in query["sql"] for query in queries.captured_queries)


def test_each_choice_list_is_read_once_per_request(login, manager_a, agent_a, two_leads):
    client = login(manager_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("crm:lead-list"), {"sub_source": "FACEBOOK", "assigned_to": agent_a.user.pk}
        )
    html = response.content.decode()
    assert _statements(queries, "crm_leadsource") == 1  # the select (no source filtered)
    assert _statements(queries, "crm_leadchannel") == 1
    # Sub-sources: the filter's check of FACEBOOK, then one list for its summary and its ticks.
    assert _statements(queries, "crm_leadsubsource") == 2
    # Members: the filter's check of the agent, then one list for the summary, the filter's
    # select and the bulk-assign select.
    users = [q for q in queries.captured_queries if q["sql"].startswith('SELECT "auth_user"')]
    assert len(users) == 3  # the signed-in user, the check, the one list
    # Then the lists come from the shared cache: only the filter's checks read the tables.
    with CaptureQueriesContext(connection) as queries:
        client.get(
            reverse("crm:lead-list"), {"sub_source": "FACEBOOK", "assigned_to": agent_a.user.pk}
        )
    assert _statements(queries, "crm_leadsource") == 0
    assert _statements(queries, "crm_leadchannel") == 0
    assert _statements(queries, "crm_leadsubsource") == 1
    users = [q for q in queries.captured_queries if q["sql"].startswith('SELECT "auth_user"')]
    assert len(users) == 2  # the signed-in user, the check
    assert "Sub-source: SOCIAL / FACEBOOK" in html and "Assigned to: alpha-agent" in html
    assert 'type="checkbox" name="sub_source" value="FACEBOOK"' in html
    assert html.count(f'<option value="{agent_a.user.pk}"') == 2  # filter and bulk assign
    assert html.count(f'<option value="{agent_a.user.pk}" selected>') == 1  # the filter's


def test_choice_lists_are_the_tenants_and_fresh_on_each_request(
    login, manager_a, tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    make_member(tenant_b, "beta-agent")
    client = login(manager_a)
    before = client.get(reverse("crm:lead-list")).content.decode()
    assert "beta-agent" not in before and "alpha-manager</option>" in before
    with django_capture_on_commit_callbacks(execute=True):  # the lists are stale at the commit
        make_member(tenant_a, "alpha-newcomer")
    after = client.get(reverse("crm:lead-list")).content.decode()
    assert after.count("alpha-newcomer</option>") == 2  # filter and bulk assign, at once
    assert "beta-agent" not in after


def test_the_choice_lists_read_codes_and_names_only(login, manager_a, tenant_a, two_leads):
    """The source, sub-source and channel choices read the codes they filter by and the names
    they show, not each entry's description and metadata: the filter and its summary work as
    before, with one statement per list."""
    hot, _ = two_leads
    web = LeadChannel.objects.create(
        tenant=tenant_a, channel_code="WEB", channel_name="Web & <site>", description="long"
    )
    Lead.objects.filter(pk=hot.pk).update(channel=web)
    params = {"source": "SOCIAL", "sub_source": "FACEBOOK", "channel": "WEB"}
    with CaptureQueriesContext(connection) as queries:
        response = login(manager_a).get(reverse("crm:lead-list"), params)
    assert [lead.pk for lead in response.context["leads"]] == [hot.pk]
    html = response.content.decode()
    assert "Sub-source: SOCIAL / FACEBOOK" in html
    assert "Channel: Web &amp; &lt;site&gt; (WEB)" in html
    assert '<option value="WEB" selected>Web &amp; &lt;site&gt; (WEB)</option>' in html
    for table in ("crm_leadsource", "crm_leadsubsource", "crm_leadchannel"):
        statements = [q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]
        assert statements and not any('"metadata"' in sql for sql in statements), table
    assert _statements(queries, "crm_leadchannel") == 2  # the filter's check, then the list
