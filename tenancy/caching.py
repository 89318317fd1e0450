"""A tenant's dashboard figures, kept a short while in Django's shared cache.

Dashboards recompute grouped scans over every lead (or milestone) of the tenant; most requests
between two changes would compute the same figures again. So a dashboard asks `cached_figures`
for its figures: they come from the cache (Redis in production, the database cache otherwise,
shared by every web process) while they are younger than `FIGURES_TTL` and nothing they rest on
has changed since.

"Changed" is a version per tenant and kind of figures (a `scope`: "leads", "milestones" …):
every entry is stored under the version current when it was computed, and the services that
change what a scope counts call `bump_figures(tenant_id, scope)`, which puts a new version in
place once their transaction commits (a rolled-back change bumps nothing). Entries under an old
version are never read again and expire on their own. A version lost from the cache (evicted,
cleared) is as good as a bump. Bumping after the commit, not before, keeps a reader from caching
figures it read before the change under the new version.

Figures come back with the moment they were computed (`Figures.as_of`), which the page shows as
"as of HH:MM" in the tenant's zone with a link that recomputes them (`refresh=True`).
"""

import hashlib
import uuid
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

FIGURES_TTL = 5 * 60  # seconds: how stale a dashboard may be when nothing bumped it
_VERSION_TTL = 24 * 60 * 60  # a version outlives every entry stored under it


@dataclass(frozen=True)
class Figures:
    value: Any
    as_of: datetime
    cached: bool  # True: read from the cache, False: computed by this call


def _version_key(tenant_id: int, scope: str) -> str:
    return f"figures:{scope}:{tenant_id}:version"


def figures_version(tenant_id: int, scope: str) -> str:
    """The scope's current version for the tenant (a new one when none is stored)."""
    key = _version_key(tenant_id, scope)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, _VERSION_TTL)
        version = cache.get(key)
    return version


def bump_figures(tenant_id: int, *scopes: str) -> None:
    """Make the tenant's cached figures of these scopes stale once the current transaction
    commits (at once outside a transaction). Call it from every write that changes them."""

    def bump() -> None:
        cache.set_many(
            {_version_key(tenant_id, scope): uuid.uuid4().hex for scope in scopes}, _VERSION_TTL
        )

    transaction.on_commit(bump)


def _entry_key(tenant_id: int, scope: str, version: str, name: str, parts: Hashable) -> str:
    digest = hashlib.sha256(repr((name, parts)).encode()).hexdigest()[:32]
    return f"figures:{scope}:{tenant_id}:{version}:{digest}"


def cached_figures(
    *,
    tenant_id: int,
    scope: str,
    name: str,
    parts: Hashable = (),
    compute: Callable[[], Any],
    refresh: bool = False,
    ttl: int = FIGURES_TTL,
) -> Figures:
    """`compute()`'s value for this tenant, from the cache when a fresh one is there.

    `name` and `parts` (the dashboard and everything its figures depend on besides the tenant's
    data: the period, the source, the member's scope …, as a tuple of plain values) tell one
    entry from another; the tenant's id is part of every key, so one tenant's figures are never
    another's. `refresh=True` computes and stores them again whatever the cache holds.
    """
    version = figures_version(tenant_id, scope)
    key = _entry_key(tenant_id, scope, version, name, parts)
    if not refresh:
        entry = cache.get(key)
        if entry is not None:
            as_of, value = entry
            return Figures(value=value, as_of=as_of, cached=True)
    as_of = timezone.now()
    value = compute()
    cache.set(key, (as_of, value), ttl)
    return Figures(value=value, as_of=as_of, cached=False)


def as_of_context(figures: Figures, params: Mapping[str, object]) -> dict:
    """What templates/tenancy/_as_of.html shows: when the figures were computed, how long they
    are kept, and the query string of its "Refresh now" link — the parameters the page was read
    with (give the cleaned ones, never raw input) and `refresh=1`."""
    query = QueryDict(mutable=True)
    query.update({name: str(value) for name, value in params.items() if value is not None})
    query["refresh"] = "1"
    return {
        "as_of": figures.as_of,
        "kept_minutes": FIGURES_TTL // 60,
        "refresh_query": query.urlencode(),
    }


ROWS_TTL = 10 * 60  # seconds: a safety net for a change that bumped nothing (raw SQL)


def cached_rows(
    *, tenant_id: int, scope: str, computes: Mapping[str, Callable[[], Any]], ttl: int = ROWS_TTL
) -> dict[str, Any]:
    """Each `computes[name]()`'s value for this tenant, from the shared cache where a current
    one is there, all read in one round trip: every entry is kept under a key of its own (the
    tenant's id, the scope, the name) with the scope's version it was computed under, and read
    together with the current version; one computed under another version is computed again.
    Services bump the scope with `bump_figures(tenant_id, scope)`, as for figures.

    For what every page of a kind shows and seldom changes, such as a filter form's choices: a
    change bumped after its commit is seen by the next request."""
    version_key = _version_key(tenant_id, scope)
    keys = {name: f"rows:{scope}:{tenant_id}:{name}" for name in computes}
    found = cache.get_many([version_key, *keys.values()])
    version = found.get(version_key)
    if version is None:
        version = figures_version(tenant_id, scope)
    values, stale = {}, {}
    for name, key in keys.items():
        entry = found.get(key)
        if entry is not None and entry[0] == version:
            values[name] = entry[1]
        else:
            values[name] = computes[name]()
            stale[key] = (version, values[name])
    if stale:
        cache.set_many(stale, ttl)
    return values
