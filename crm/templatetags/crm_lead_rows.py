"""One row of the leads table, `{% lead_row lead %}`: the row's nine cells in one tag rather
than some forty template nodes per row (a page of 100 leads rendered ~4,000 of them), the
same markup as the template had."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from ..models.leads import HOT_LEAD_SCORE, LeadStatus
from .crm_tags import escaped, iso_text, minute_text, tag_chip, url_with_pk

register = template.Library()

HOT_BADGE = format_html(
    '<span class="badge hot" title="Hot: score {} or more, and still open">Hot</span>',
    HOT_LEAD_SCORE,
)
ARCHIVED_CLASS = mark_safe(' class="archived"')
ARCHIVED_BADGE = mark_safe('<span class="badge muted">Archived</span>')
# get_status_display's labels (Lead.status has LeadStatus's choices) without its per-call
# dictionary of the choices; a value outside them shows as itself, as there.
STATUS_LABELS = dict(LeadStatus.choices)

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


@register.simple_tag(takes_context=True)
def lead_row(context, lead):
    """The lead's row: ticking box, name with badges, contact and tags, company, status,
    source / sub-source, assignee, score and creation time (in the current zone). Every value
    is escaped here (`escaped`), the row written with `str.format`."""
    tags = getattr(lead, "listed_tags", None) or ()
    chips = "".join(tag_chip(tag.name, tag.color) for tag in tags)
    created = template_localtime(lead.created_at, use_tz=context.use_tz)
    source = lead.source.source_name if lead.source_id else ""
    assignee = lead.assigned_to.get_username() if lead.assigned_to_id else ""
    name = escaped(lead.full_name)
    return SafeString(
        ROW.format(
            ARCHIVED_CLASS if lead.is_archived else "",
            escaped(lead.pk),
            name,
            escaped(url_with_pk(context, "crm:lead-detail", lead.pk)),
            name,
            HOT_BADGE if lead.is_hot_lead else "",
            ARCHIVED_BADGE if lead.is_archived else "",
            escaped(lead.email or lead.phone),
            f'<div class="tags">{chips}</div>' if tags else "",
            escaped(lead.company or "—"),
            escaped(lead.status.lower()),
            escaped(STATUS_LABELS.get(lead.status, lead.status)),
            escaped(source),
            f" / {escaped(lead.sub_source.sub_source_name)}" if lead.sub_source_id else "",
            escaped(assignee or "—"),
            escaped(lead.lead_score),
            escaped(iso_text(created)),
            escaped(minute_text(created)),
        )
    )
