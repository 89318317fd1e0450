"""What the CRM pages share: the `next` URL check, the lead-scoped mixin and list paging."""

from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme

from tenancy.scoping import TenantPageMixin

from ..models import Lead
from ..selectors.leads import lead_for, leads_visible_to

PAGE_SIZES = (25, 50, 100)


def safe_next(request, fallback: str) -> str:
    """The `next` URL posted with a form when it points back into this site."""
    url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


def page_size(raw: str | None) -> int:
    """One of PAGE_SIZES as asked (`?page_size=`), else the first."""
    return int(raw) if raw in {str(size) for size in PAGE_SIZES} else PAGE_SIZES[0]


def export_query(params) -> str:
    """A list's GET parameters for its "Export these N" links: its filters, segment and order,
    without paging."""
    kept = params.copy()
    for name in ("page", "page_size", "format"):
        kept.pop(name, None)
    return kept.urlencode()


class VisibleLeadsMixin(TenantPageMixin):
    """Leads through `leads_visible_to`, one lead through `lead_for`: another tenant's lead, or
    another agent's, is a 404 like a missing one."""

    def get_queryset(self):
        return leads_visible_to(tenant=self.tenant, membership=self.membership).select_related(
            "source", "sub_source", "channel", "assigned_to"
        )

    @cached_property
    def lead(self) -> Lead:
        return lead_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=self.kwargs["pk"],
            queryset=self.get_queryset(),
        )
