"""The CRM score (seed 002), as SQL expressions over a customer row: one definition that the
score endpoint reads (annotated) and the services write into `crm_score` (set-based UPDATEs).
docs/metrics.md ("CRM score") has the definition with a hand-computed example.

    engagement   = min(2 × total_interactions, 40)
    recency      = max(30 − days since the last contact, 0): whole days between the local day of
                   `last_contacted_at` and today, both in the tenant's time zone (contacted today:
                   30, yesterday: 29, …, 30 days ago or more: 0); never contacted: 0; a contact
                   stamped later than now counts as today
    purchases    = min(5 × total_purchases, 20)
    completeness = ⌊10 × filled / active⌋ over the tenant's active custom fields (a field is
                   filled when it has a value; `false` is a value); no active fields: 0
    score        = engagement + recency + purchases + completeness (0–100)
"""

from collections.abc import Mapping
from datetime import datetime, time, timedelta

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Least
from django.utils import timezone

from customfields.models import FieldDefinition
from customfields.services.values import active_definitions
from customfields.slots import slot_field
from tenancy.dates import tenant_today
from tenancy.models import Tenant

from ..models import Customer

ENGAGEMENT_POINTS, ENGAGEMENT_MAX = 2, 40
RECENCY_MAX = 30
PURCHASE_POINTS, PURCHASES_MAX = 5, 20
COMPLETENESS_MAX = 10
PARTS = ("engagement", "recency", "purchases", "completeness")
INT = IntegerField()


def recency_day_starts(tenant: Tenant, now: datetime | None = None) -> list[datetime]:
    """The starts of today and the 29 days before it in the tenant's time zone, newest first:
    a contact at or after the k-th start (and before the one before it) is k days ago."""
    today = tenant_today(tenant, now)
    tz = tenant.tzinfo
    return [
        datetime.combine(today - timedelta(days=k), time.min, tzinfo=tz) for k in range(RECENCY_MAX)
    ]


def _recency(tenant: Tenant, now: datetime | None) -> Case:
    """30 − days since the last contact, as a CASE over the local day starts: no date
    arithmetic in SQL, so it is the same on PostgreSQL and SQLite and needs no time zone
    support in the database. NULL matches no branch: 0."""
    whens = [
        When(last_contacted_at__gte=start, then=Value(RECENCY_MAX - k))
        for k, start in enumerate(recency_day_starts(tenant, now))
    ]
    return Case(*whens, default=Value(0), output_field=INT)


def _filled(definition: FieldDefinition) -> Q:
    if not definition.in_slot:
        return Q(custom_fields_extra__has_key=definition.field_key)
    column = definition.mapped_field_name
    filled = Q(**{f"{column}__isnull": False})
    if slot_field(definition.field_type).get_internal_type() == "CharField":
        filled &= ~Q(**{column: ""})
    return filled


def _completeness(definitions: Mapping[str, FieldDefinition]) -> Combinable:
    """⌊10 × filled / active⌋ in integer arithmetic (both sides are whole and not negative, so
    the database's integer division is the floor)."""
    if not definitions:
        return Value(0, output_field=INT)
    filled = sum(
        (Case(When(_filled(d), then=Value(1)), default=Value(0), output_field=INT))
        for d in definitions.values()
    )
    return (Value(COMPLETENESS_MAX) * filled) / Value(len(definitions))


def score_parts(
    *,
    tenant: Tenant,
    definitions: Mapping[str, FieldDefinition] | None = None,
    now: datetime | None = None,
) -> dict[str, Combinable]:
    """{part: expression} for the tenant's customers at `now`; `definitions`: the tenant's active
    custom fields when the caller has them already."""
    if definitions is None:
        definitions = active_definitions(tenant)
    return {
        "engagement": Least(
            F("total_interactions") * Value(ENGAGEMENT_POINTS),
            Value(ENGAGEMENT_MAX),
            output_field=INT,
        ),
        "recency": _recency(tenant, now or timezone.now()),
        "purchases": Least(
            F("total_purchases") * Value(PURCHASE_POINTS), Value(PURCHASES_MAX), output_field=INT
        ),
        "completeness": _completeness(definitions),
    }


def score_expression(
    *,
    tenant: Tenant,
    definitions: Mapping[str, FieldDefinition] | None = None,
    now: datetime | None = None,
) -> Combinable:
    """The score: the sum of the parts."""
    parts = score_parts(tenant=tenant, definitions=definitions, now=now)
    total = parts["engagement"] + parts["recency"] + parts["purchases"] + parts["completeness"]
    total.output_field = INT
    return total


def customer_score(*, customer: Customer, now: datetime | None = None) -> dict:
    """{"score", "parts": {engagement, recency, purchases, completeness}} of the customer now,
    computed by the database from the stored inputs (what `crm_score` holds once refreshed)."""
    parts = score_parts(tenant=customer.tenant, now=now)
    row = (
        Customer.objects.filter(pk=customer.pk, tenant=customer.tenant)
        .annotate(**{f"part_{name}": expression for name, expression in parts.items()})
        .values(*(f"part_{name}" for name in PARTS))
        .get()
    )
    values = {name: int(row[f"part_{name}"]) for name in PARTS}
    return {"score": sum(values.values()), "parts": values}
