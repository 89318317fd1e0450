"""One row of the leads table, `{% lead_row lead %}`: the row's nine cells in one tag rather
than some forty template nodes per row (a page of 100 leads rendered ~4,000 of them), the
same markup as the template had."""

from django import template
from django.template.defaultfilters import date
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from ..models.leads import HOT_LEAD_SCORE
from .crm_tags import tag_chip

register = template.Library()

_PK = 987654321  # a stand-in key, replaced by each lead's in the detail URL reversed once
_URL_KEY = "crm_lead_rows:detail_url"

HOT_BADGE = format_html(
    '<span class="badge hot" title="Hot: score {} or more, and still open">Hot</span>',
    HOT_LEAD_SCORE,
)
ARCHIVED_CLASS = mark_safe(' class="archived"')
ARCHIVED_BADGE = mark_safe('<span class="badge muted">Archived</span>')

ROW = """<tr{}>
  <td class="select"><input type="checkbox" name="lead_ids" value="{}" aria-label="Select {}"></td>
  <td>
    <a href="{}">{}</a>{}{}
    <div class="sub">{}</div>{}
  </td>
  <td>{}</td>
  <td><span class="status status-{}">{}</span></td>
  <td>{}{}</td>
  <td class="assignee">{}</td>
  <td class="num">{}</td>
  <td><time datetime="{}">{}</time></td>
</tr>"""


def _detail_url(context, pk: int) -> str:
    """The lead's page, from the URL reversed once per rendering."""
    parts = context.render_context.get(_URL_KEY)
    if parts is None:
        parts = reverse("crm:lead-detail", args=[_PK]).split(str(_PK))
        context.render_context[_URL_KEY] = parts
    return f"{parts[0]}{pk}{parts[1]}"


@register.simple_tag(takes_context=True)
def lead_row(context, lead):
    """The lead's row: ticking box, name with badges, contact and tags, company, status,
    source / sub-source, assignee, score and creation time (in the current zone)."""
    tags = getattr(lead, "listed_tags", None) or ()
    chips = format_html_join("", "{}", ((tag_chip(tag.name, tag.color),) for tag in tags))
    created = template_localtime(lead.created_at, use_tz=context.use_tz)
    source = lead.source.source_name if lead.source_id else ""
    assignee = lead.assigned_to.get_username() if lead.assigned_to_id else ""
    return format_html(
        ROW,
        ARCHIVED_CLASS if lead.is_archived else "",
        lead.pk,
        lead.full_name,
        _detail_url(context, lead.pk),
        lead.full_name,
        HOT_BADGE if lead.is_hot_lead else "",
        ARCHIVED_BADGE if lead.is_archived else "",
        lead.email or lead.phone,
        format_html('<div class="tags">{}</div>', chips) if tags else "",
        lead.company or "—",
        lead.status.lower(),
        lead.get_status_display(),
        source,
        format_html(" / {}", lead.sub_source.sub_source_name) if lead.sub_source_id else "",
        assignee or "—",
        lead.lead_score,
        date(created, "c"),
        date(created, "Y-m-d H:i"),
    )
