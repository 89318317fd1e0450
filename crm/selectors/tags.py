"""Reads for tags: the tenant's tags with how many customers and leads carry each (counted, never
stored), and the one access selector.

Every member sees the tenant's tags and customers; the lead count is of the leads the member
sees (an agent: theirs and unassigned ones), as the lead list filtered by the tag shows."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from tenancy.access import one_or_404
from tenancy.models import Membership, Tenant

from ..models import CustomerTag, LeadTag, Tag
from .leads import leads_visible_to

# ?search= and the page's filter: a name's part, at most this long.
TAG_SEARCH_MAX_LENGTH = 50


def _count(links: QuerySet) -> Coalesce:
    """The number of `links` rows of the outer tag: a correlated count each, so the two counts
    never multiply each other's rows as two joins would. `COUNT(*)`, not of the key, which no
    link index holds: the count then reads the (tenant, tag, lead|customer) index alone, where
    counting keys fetched every link's row (docs/benchmarks.md, "Tag filters through covering
    and hot-lead indexes")."""
    counted = (
        links.filter(tag=OuterRef("pk")).order_by().values("tag").annotate(n=Count("*")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_counts(
    tags: QuerySet[Tag], *, tenant: Tenant | None = None, membership: Membership | None = None
) -> QuerySet[Tag]:
    """`tags` annotated with `customer_count` and `lead_count` (of the leads `membership` sees;
    all of them without one, as for the admin). `tenant` lets the counts use the indexes."""
    customer_links, lead_links = CustomerTag.objects.all(), LeadTag.objects.all()
    if tenant is not None:
        customer_links = customer_links.filter(tenant=tenant)
        lead_links = lead_links.filter(tenant=tenant)
    if membership is not None and not membership.can_manage:
        visible = leads_visible_to(tenant=membership.tenant, membership=membership)
        lead_links = lead_links.filter(lead__in=visible.values("pk"))
    return tags.annotate(customer_count=_count(customer_links), lead_count=_count(lead_links))


def tags_with_counts(*, tenant: Tenant, membership: Membership) -> QuerySet[Tag]:
    """The tenant's tags, each annotated with `customer_count` and `lead_count`."""
    return with_counts(Tag.objects.for_tenant(tenant), tenant=tenant, membership=membership)


def tag_search(queryset: QuerySet[Tag], text: str) -> QuerySet[Tag]:
    """Tags whose name contains `text` (names are lower-case)."""
    text = text.strip().lower()
    return queryset.filter(name__contains=text) if text else queryset


def tag_ids_named(*, tenant: Tenant, names: list[str]) -> list[int]:
    """The ids of the tenant's tags called any of `names` (lower case, as stored); an unknown
    name has none.

    The tag filters resolve names first and filter the links by these ids: with the ids as
    literals the planner knows how many links a tag has and reads the covering link index
    beside the lead or customer index, where a join on the tag's name left it guessing (140 rows
    for 8,622) and looking each link's lead up by its key (docs/benchmarks.md)."""
    if not names:
        return []
    return list(
        Tag.objects.for_tenant(tenant)
        .filter(name__in=names)
        .order_by()
        .values_list("pk", flat=True)
    )


def tag_for(
    *, tenant: Tenant, membership: Membership, pk: object, queryset: QuerySet[Tag] | None = None
) -> Tag:
    """The tenant's tag `pk`, or Http404 (the same for a missing tag and another tenant's)."""
    tags = (Tag.objects.all() if queryset is None else queryset).filter(tenant=tenant)
    return one_or_404(tags, pk, what="tag")


def tag_names_by_row(links: QuerySet, key: str, *, tenant: Tenant, ids) -> dict[int, list[str]]:
    """The sorted tag names of each of `ids` (leads or customers: `links` is LeadTag or
    CustomerTag, `key` its "lead_id" or "customer_id"), by one statement over the tenant's
    links, as `tag_names()` gives them one row at a time."""
    names: dict[int, list[str]] = {}
    rows = links.filter(tenant=tenant, **{f"{key}__in": ids}).values_list(key, "tag__name")
    for row_id, name in rows:
        names.setdefault(row_id, []).append(name)
    for listed in names.values():
        listed.sort()
    return names


def listed_tag_names(links: QuerySet, key: str):
    """A lean list's `tags` (tenancy.api.lean): each row's tag names, for a page of rows."""

    def extra(view, rows) -> list[list[str]]:
        names = tag_names_by_row(links, key, tenant=view.tenant, ids=[row.id for row in rows])
        return [names.get(row.id, []) for row in rows]

    return extra
