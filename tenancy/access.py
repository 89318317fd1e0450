"""The one answer for "not there": every entity's access selector (`lead_for`, `customer_for`,
`callback_for`, …) ends here, so a missing row, another tenant's, one the member may not see
and a key that is not even a number are the same 404, from one place."""

from django.db.models import QuerySet
from django.http import Http404

MAX_PK = 2**63 - 1


def one_or_404(queryset: QuerySet, pk: object, *, what: str = "object"):
    """The row of `queryset` (already limited to what the member may see) whose primary key is
    `pk`, or Http404."""
    try:
        pk = int(str(pk)) if str(pk).isascii() else None
    except (TypeError, ValueError):
        pk = None
    if pk is None or not 0 < pk <= MAX_PK:
        raise Http404(f"No such {what}.")
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Http404(f"No such {what}.")
    return row
