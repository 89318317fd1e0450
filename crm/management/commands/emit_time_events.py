"""manage.py emit_time_events [TENANT] [--date YYYY-MM-DD]: the hourly task's work now, in this
process (crm.services.time_events). Without TENANT, every active tenant; --date emits a past
local day's events instead of today's (a day the schedule missed). Exit status 1 with a message
for an unknown tenant or a bad date."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tenancy.dates import tenant_today
from tenancy.models import Tenant

from ...services.time_events import time_events_emit


class Command(BaseCommand):
    help = (
        "Emit the time-based events (date_reached, inactive) of each tenant's local today, or "
        "of --date; a repeat adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant", nargs="?", metavar="TENANT", help="A tenant's slug.")
        parser.add_argument(
            "--date", metavar="YYYY-MM-DD", help="This local day instead of today (not later)."
        )

    def handle(self, *args, **options):
        day = None
        if options["date"] is not None:
            try:
                day = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date '{options['date']}' is not a date; give YYYY-MM-DD."
                ) from None
        tenants = Tenant.objects.order_by("pk")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"No tenant '{options['tenant']}'.")
        else:
            tenants = tenants.filter(is_active=True)
        tenants = list(tenants)
        if day is not None:
            for tenant in tenants:
                if day > tenant_today(tenant):
                    raise CommandError(
                        f"--date {day} is after {tenant.slug}'s today ({tenant_today(tenant)}); "
                        "a day is emitted once it has come."
                    )
        for tenant in tenants:
            now = None
            if day is not None:
                noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=tenant.tzinfo)
                now = min(noon, timezone.now())
            started = time.perf_counter()
            counts = time_events_emit(tenant=tenant, now=now)
            seconds = time.perf_counter() - started
            self.stdout.write(
                f"{tenant.slug}: {counts['date_reached']} date_reached, "
                f"{counts['inactive']} inactive ({seconds:.1f} s)"
            )
