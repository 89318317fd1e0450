"""A management command that does one piece of work per tenant (every tenant, or the one named
by --tenant), timing each and printing one line per tenant."""

import time

from django.core.management.base import BaseCommand, CommandError

from tenancy.models import Tenant


class PerTenantCommand(BaseCommand):
    # What --tenant limits, in the help: "Only this tenant's <scope>."
    scope = "data"

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help=f"Only this tenant's {self.scope}.")

    def run_for(self, tenant: Tenant) -> str:
        """Do the work for `tenant`; returns what to report ("12 scores changed")."""
        raise NotImplementedError

    def handle(self, *args, **options):
        tenants = Tenant.objects.order_by("pk")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"No tenant '{options['tenant']}'.")
        for tenant in tenants:
            started = time.perf_counter()
            report = self.run_for(tenant)
            seconds = time.perf_counter() - started
            self.stdout.write(f"{tenant.slug}: {report} ({seconds:.1f} s)")
