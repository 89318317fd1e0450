from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenancy.models import Tenant

from ...models import FieldPairIndex
from ...services.pair_indexes import (
    PairIndexBuildFailed,
    pair_index_create,
    pair_index_drop,
    pair_indexes_size,
)


class Command(BaseCommand):
    help = (
        "Index two of a tenant's custom fields together, for a filter it runs often "
        "(cf_a = x AND cf_b >= y): CREATE INDEX CONCURRENTLY on PostgreSQL, while the tenants "
        "keep working. --drop removes it, --list shows the tenant's (docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant", metavar="TENANT", help="The tenant's slug.")
        parser.add_argument("keys", metavar="FIELD_KEY", nargs="*", help="Two field keys.")
        parser.add_argument("--drop", action="store_true", help="Drop the pair's index.")
        parser.add_argument("--list", action="store_true", help="List the tenant's pairs.")

    def handle(self, *args, **options):
        tenant, keys, drop = options["tenant"], options["keys"], options["drop"]
        found = Tenant.objects.filter(slug=tenant).first()
        if found is None:
            raise CommandError(f"No tenant '{tenant}'.")
        if options["list"]:
            if keys or drop:
                raise CommandError("--list takes only the tenant.")
            return self._list(found)
        if len(keys) != 2:
            raise CommandError("Give two field keys (or --list).")
        action = pair_index_drop if drop else pair_index_create
        try:
            pair = action(tenant=found, key_a=keys[0], key_b=keys[1])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except PairIndexBuildFailed as exc:
            raise CommandError(str(exc)) from exc
        verb = "Dropped" if drop else "Built"
        self.stdout.write(
            f"{verb} {pair.index_name} on ({pair.first_slot}, {pair.second_slot}) for "
            f"{pair.first.field_key} and {pair.second.field_key}."
        )

    def _list(self, tenant: Tenant) -> None:
        pairs = FieldPairIndex.objects.for_tenant(tenant).select_related("first", "second")
        for pair in pairs:
            self.stdout.write(
                f"{pair.index_name}: {pair.first.field_key} ({pair.first_slot}), "
                f"{pair.second.field_key} ({pair.second_slot}), made {pair.created_at:%Y-%m-%d}"
            )
        size = pair_indexes_size(tenant)
        self.stdout.write(f"{len(pairs)} two-field index(es), {size / 2**20:.2f} MB.")
