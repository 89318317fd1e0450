from tenancy.management.per_tenant import PerTenantCommand

from ...services.projection import open_steps_rebuild


class Command(PerTenantCommand):
    help = (
        "Recompute the open milestone steps of every open lead (or of one tenant's) from their "
        "milestones and templates: the rows the overdue list reads (docs/operations.md)."
    )
    scope = "open leads"

    def run_for(self, tenant) -> str:
        return f"{open_steps_rebuild(tenant=tenant)} open steps"
