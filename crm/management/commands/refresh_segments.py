from tenancy.management.per_tenant import PerTenantCommand

from ...services.segments import segments_refresh_timed


class Command(PerTenantCommand):
    help = (
        "Rebuild now, in this process, every active segment whose condition reads the clock "
        "(relative dates, activity windows, crm_score), of every tenant or of one."
    )
    scope = "segments"

    def run_for(self, tenant) -> str:
        return f"{len(segments_refresh_timed(tenant=tenant))} segments rebuilt"
