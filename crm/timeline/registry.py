"""The one registry of timeline providers. A provider is one source of entries (a table, read
through an index on (tenant, customer or lead, time)); crm registers its own in CrmConfig.ready,
the apps above crm register theirs in their AppConfig.ready, so crm never imports them.

A provider answers a `TimelineQuery` with at most `query.limit` entries, newest first in the
timeline's order (occurred_at, source, pk) descending, all older than `query.before` when it is
given. `keyset_page` does the ordering, the cursor and the limit for a queryset; a provider is
then a few lines:

    def fetch(query):
        things = Thing.objects.filter(tenant=query.tenant, customer=query.customer)
        rows = keyset_page(things, query, source="thing", time_field="created_at")
        return [Entry.make("thing", row["pk"], kind="thing", occurred_at=row["created_at"],
                           actor=row["author__username"], summary=..., data={...})
                for row in rows.values("pk", "created_at", "author__username", ...)]

(`values()` rather than model instances: a page reads limit + 1 rows of every provider, and
building model objects for them was most of a page's time.)

    register(Provider(source="thing", kinds=("thing",), fetch=fetch))
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from .kinds import KINDS


@dataclass(frozen=True, order=True)
class Position:
    """Where an entry stands in the timeline: later is greater. `source` and `pk` break ties
    between entries of the same moment, so paging never skips or repeats one."""

    occurred_at: datetime
    source: str
    pk: int


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    occurred_at: datetime
    actor: str | None
    summary: str
    data: dict[str, Any] = field(default_factory=dict)
    position: Position | None = field(default=None, compare=False, repr=False)

    @classmethod
    def make(cls, source: str, pk: int, *, occurred_at: datetime, **rest) -> "Entry":
        """`actor` (in `rest`): the username of who did it, or None (the system)."""
        return cls(
            id=f"{source}:{pk}",
            occurred_at=occurred_at,
            position=Position(occurred_at, source, pk),
            **rest,
        )


@dataclass(frozen=True)
class TimelineQuery:
    tenant: Any
    customer: Any
    kinds: frozenset[str]  # the kinds asked for, among the provider's own
    limit: int
    before: Position | None = None
    # Who reads: a provider of per-member rows (leads and callbacks are per agent) shows only
    # those the member may see. None: everything (the system's own reads).
    membership: Any = None


@dataclass(frozen=True)
class Provider:
    source: str  # the prefix of its entries' ids, unique among providers
    kinds: tuple[str, ...]
    fetch: Callable[[TimelineQuery], Iterable[Entry]]


_providers: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    """Add a provider (again under the same source: replace it, so a reloaded app is fine)."""
    unknown = set(provider.kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"Unknown timeline kinds {sorted(unknown)}: add them to KINDS first.")
    _providers[provider.source] = provider


def providers() -> list[Provider]:
    return list(_providers.values())


def keyset_page(
    queryset: QuerySet, query: TimelineQuery, *, source: str, time_field: str
) -> QuerySet:
    """`queryset` newest first by (time_field, pk), after `query.before`, cut at `query.limit`.

    At the cursor's own moment the tie goes by (source, pk) like the merged timeline: a source
    that sorts before the cursor's keeps all its rows of that moment, one after it none, the
    cursor's own source those of smaller pk."""
    before = query.before
    if before is not None:
        older = Q(**{f"{time_field}__lt": before.occurred_at})
        # Written as `time <= t AND (…)` so the index's range condition is plain `time <= t`.
        not_after = Q(**{f"{time_field}__lte": before.occurred_at})
        if source < before.source:
            queryset = queryset.filter(not_after)
        elif source == before.source:
            queryset = queryset.filter(not_after, older | Q(pk__lt=before.pk))
        else:
            queryset = queryset.filter(older)
    return queryset.order_by(f"-{time_field}", "-pk")[: query.limit]
