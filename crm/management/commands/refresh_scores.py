import time

from django.core.management.base import BaseCommand, CommandError

from tenancy.models import Tenant

from ...services.scoring import scores_refresh


class Command(BaseCommand):
    help = (
        "Recompute the CRM score of every customer (or of one tenant's) now, in this process "
        "without a broker; writes only the scores that changed (docs/metrics.md, CRM score)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help="Only this tenant's customers.")

    def handle(self, *args, **options):
        tenants = Tenant.objects.order_by("pk")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"No tenant '{options['tenant']}'.")
        for tenant in tenants:
            started = time.perf_counter()
            changed = scores_refresh(tenant=tenant)
            seconds = time.perf_counter() - started
            self.stdout.write(f"{tenant.slug}: {changed} scores changed ({seconds:.1f} s)")
