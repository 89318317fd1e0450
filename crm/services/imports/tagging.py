"""The tags of an import's rows: the tenant's tags by name, made when new (`tag_ids`), and the
links an import's customers get to them with their timeline rows (CustomerTagChange) and
`tag_added` events (CustomerTagLinks): a new customer's by COPY (none can exist yet), an
updated one's by bulk_create, only those it did not have. The leads' links are LeadWriter's.
Helpers of the writers; not a way in."""

from collections.abc import Iterable
from datetime import datetime

from tenancy.actors import Actor, actor_user
from tenancy.models import Tenant

from ...models import CustomerTag, CustomerTagChange, Tag, palette_color
from .. import emits
from . import copying


def tag_ids(*, tenant: Tenant, names: Iterable[str]) -> dict[str, int]:
    """{name: id} of the tenant's tags `names`, made first when new."""
    names = sorted(set(names))
    if not names:
        return {}
    Tag.objects.bulk_create(
        [Tag(tenant=tenant, name=name, color=palette_color(name)) for name in names],
        ignore_conflicts=True,
    )
    return dict(Tag.objects.for_tenant(tenant).filter(name__in=names).values_list("name", "pk"))


class CustomerTagLinks:
    """Links one job's customers to their tags, batch by batch (the tags' ids kept from one
    batch to the next)."""

    def __init__(self, *, tenant: Tenant, by: Actor):
        self.tenant = tenant
        self.user = actor_user(by)
        self._tag_cache: dict[str, int] = {}

    def link_new(self, wanted: dict[int, list[str]], *, now: datetime) -> None:
        """Links of new customers (none can exist yet) and their timeline rows, by COPY."""
        if not any(wanted.values()):
            return
        ids = self._ids(wanted)
        user = self.user.pk if self.user else None
        pairs = [(pk, name) for pk, names in wanted.items() for name in names]
        tenant = {"tenant_id": self.tenant.pk}
        copying.copy_in(CustomerTag, ("customer_id", "tag_id"),
                        ((pk, ids[name]) for pk, name in pairs), fixed=tenant)  # fmt: skip
        copying.copy_in(
            CustomerTagChange,
            ("customer_id", "tag_name"),
            pairs,
            fixed={**tenant, "added": True, "changed_by_id": user, "changed_at": now},
        )
        self._emit_added(pairs)

    def _ids(self, wanted: dict[int, list[str]]) -> dict[str, int]:
        names = {n for names in wanted.values() for n in names}
        missing = names - set(self._tag_cache)
        if missing:
            self._tag_cache.update(tag_ids(tenant=self.tenant, names=missing))
        return self._tag_cache

    def link(
        self, wanted: dict[int, list[str]], *, existing_ids: list[int], now: datetime
    ) -> dict[int, list[str]]:
        """Link each customer to its tags; returns {customer: names newly added}."""
        if not wanted:
            return {}
        ids = self._ids(wanted)
        had: set[tuple[int, int]] = set()
        if existing_ids:
            had = set(
                CustomerTag.objects.filter(
                    tenant=self.tenant, customer_id__in=existing_ids, tag_id__in=ids.values()
                ).values_list("customer_id", "tag_id")
            )
        links, changes, added = [], [], {}
        for pk, names in wanted.items():
            for name in names:
                if (pk, ids[name]) in had:
                    continue
                links.append(CustomerTag(tenant=self.tenant, customer_id=pk, tag_id=ids[name]))
                changes.append(
                    CustomerTagChange(
                        tenant=self.tenant,
                        customer_id=pk,
                        tag_name=name,
                        added=True,
                        changed_by=self.user,
                        changed_at=now,
                    )
                )
                added.setdefault(pk, []).append(name)
        CustomerTag.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
        CustomerTagChange.objects.bulk_create(changes, batch_size=2000)
        self._emit_added([(pk, name) for pk, names in added.items() for name in names])
        return added

    def _emit_added(self, pairs: list[tuple[int, str]]) -> None:
        """`tag_added` for each (customer, tag name): one COPY per tag."""
        by_tag: dict[str, list[int]] = {}
        for pk, name in pairs:
            by_tag.setdefault(name, []).append(pk)
        for name, customer_ids in by_tag.items():
            copying.copy_events(
                tenant=self.tenant,
                event_type=emits.TAG_ADDED,
                customer_ids=customer_ids,
                data=emits.tag_data(name),
            )
