from tenancy.management.per_tenant import PerTenantCommand

from ...services.scoring import scores_refresh


class Command(PerTenantCommand):
    help = (
        "Recompute the CRM score of every customer (or of one tenant's) now, in this process "
        "without a broker; writes only the scores that changed (docs/metrics.md, CRM score)."
    )
    scope = "customers"

    def run_for(self, tenant) -> str:
        return f"{scores_refresh(tenant=tenant)} scores changed"
