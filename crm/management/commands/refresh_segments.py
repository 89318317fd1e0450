import time

from django.core.management.base import BaseCommand, CommandError

from tenancy.models import Tenant

from ...services.segments import segments_refresh_timed


class Command(BaseCommand):
    help = (
        "Rebuild now, in this process, every active segment whose condition reads the clock "
        "(relative dates, activity windows, crm_score), of every tenant or of one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help="Only this tenant's segments.")

    def handle(self, *args, **options):
        tenants = Tenant.objects.order_by("pk")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"No tenant '{options['tenant']}'.")
        for tenant in tenants:
            started = time.perf_counter()
            rebuilt = segments_refresh_timed(tenant=tenant)
            seconds = time.perf_counter() - started
            self.stdout.write(f"{tenant.slug}: {len(rebuilt)} segments rebuilt ({seconds:.1f} s)")
