from django.core.management.base import BaseCommand

from ...seed import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Create the demo tenant 'demo' with realistic data (does nothing if it exists)."

    def handle(self, *args, **options):
        tenant, created = seed_demo()
        if created:
            self.stdout.write(f"Created the demo tenant '{tenant.slug}'.")
        else:
            self.stdout.write(f"The demo tenant '{tenant.slug}' already exists; left as it is.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in DEMO_USERS:
            self.stdout.write(f"  {username:<14} {role}")
