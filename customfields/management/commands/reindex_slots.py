from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tenancy.models import Tenant

from ...services.indexes import indexed_slots, slot_indexes_rebuild, slot_indexes_size
from ...services.pair_indexes import pair_indexes_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the custom-field slot indexes (REINDEX INDEX CONCURRENTLY, one after the other, "
        "while the tenants keep working) and print their sizes before and after. PostgreSQL "
        "only; on SQLite there is nothing to do. Run it after big imports or mass updates "
        "(docs/operations.md). The two-field indexes (index_field_pair) are rebuilt too."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tenant", metavar="SLUG", help="Only the slots this tenant's fields use."
        )
        parser.add_argument(
            "--no-concurrently",
            dest="concurrently",
            action="store_false",
            help="Plain REINDEX: faster, but it blocks writes to customers while it runs.",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write(
                f"Nothing to do on {connection.display_name}: only PostgreSQL indexes are rebuilt."
            )
            return
        tenant = None
        if options["tenant"]:
            tenant = Tenant.objects.filter(slug=options["tenant"]).first()
            if tenant is None:
                raise CommandError(f"No tenant '{options['tenant']}'.")
        slots = indexed_slots(tenant=tenant)
        total_before = slot_indexes_size()

        def report(rebuilt) -> None:
            self.stdout.write(
                f"{rebuilt.index}: {rebuilt.bytes_before / 2**20:.2f} MB → "
                f"{rebuilt.bytes_after / 2**20:.2f} MB"
            )

        done = slot_indexes_rebuild(
            slots=slots, concurrently=options["concurrently"], on_index=report
        )
        self.stdout.write(
            f"{len(done)} slot indexes rebuilt; all slot indexes "
            f"{total_before / 2**20:.1f} MB → {slot_indexes_size() / 2**20:.1f} MB."
        )
        pairs = pair_indexes_rebuild(
            tenant=tenant, concurrently=options["concurrently"], on_index=self.stdout.write
        )
        self.stdout.write(f"{len(pairs)} two-field indexes checked.")
