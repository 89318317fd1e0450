"""Global search: a registry of providers, one per kind of thing (customers, leads, callbacks,
campaigns …), each registered by its own app in AppConfig.ready, so tenancy imports none of them:

    from tenancy.search import register_search
    register_search("leads", title="Leads", order=20, find=find_leads, list_url=leads_url)

`find(*, tenant, membership, query, limit)` returns at most `limit` `Hit`s among what the member
may see (the same visibility rules as the app's own list); `list_url(query)`, when given, is the
app's list filtered by the same words, for "all results". Providers answer in registry order and
each group says whether it has more than it shows.
"""

from collections.abc import Callable
from dataclasses import dataclass

from .models import Membership, Tenant

# Fewer characters match too much to be useful as you type, and the trigram indexes that keep
# search fast (bench/search) can only narrow a search by words of three characters or more.
MIN_QUERY_LENGTH = 3
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class Hit:
    label: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    hits: list[Hit]
    more: bool
    list_url: str | None


@dataclass(frozen=True)
class Provider:
    key: str
    title: str
    order: int
    find: Callable[..., list[Hit]]
    list_url: Callable[[str], str] | None


_PROVIDERS: dict[str, Provider] = {}


def register_search(
    key: str,
    *,
    title: str,
    order: int,
    find: Callable[..., list[Hit]],
    list_url: Callable[[str], str] | None = None,
) -> None:
    """Add (or replace) the provider `key`; groups show by `order`."""
    _PROVIDERS[key] = Provider(key=key, title=title, order=order, find=find, list_url=list_url)


def registered_providers() -> list[Provider]:
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.key))


def clean_query(raw: str | None) -> str:
    """The words searched for: NUL bytes and extra spaces gone, at most MAX_QUERY_LENGTH."""
    text = (raw or "").replace("\x00", "")
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def search_everything(
    *, tenant: Tenant, membership: Membership, query: str, limit: int
) -> list[Group]:
    """Each provider's first `limit` hits for `query` (cleaned by the caller), every group even
    when empty; nothing for a query shorter than MIN_QUERY_LENGTH."""
    if len(query) < MIN_QUERY_LENGTH:
        return []
    groups = []
    for provider in registered_providers():
        hits = list(
            provider.find(tenant=tenant, membership=membership, query=query, limit=limit + 1)
        )
        groups.append(
            Group(
                key=provider.key,
                title=provider.title,
                hits=hits[:limit],
                more=len(hits) > limit,
                list_url=provider.list_url(query) if provider.list_url else None,
            )
        )
    return groups
