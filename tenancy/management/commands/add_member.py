from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ...actors import OPERATOR
from ...models import Role, Tenant
from ...services.members import member_add
from .create_tenant import format_errors


class Command(BaseCommand):
    help = "Create the user if needed and add it to a tenant with a role."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password")
        parser.add_argument("--email", default="")

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["slug"]).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug '{options['slug']}'.")
        try:
            membership = member_add(
                by=OPERATOR,
                tenant=tenant,
                username=options["username"],
                role=options["role"],
                password=options["password"],
                email=options["email"],
            )
        except ValidationError as exc:
            raise CommandError(format_errors(exc)) from exc
        self.stdout.write(
            f"{membership.user.username} is now {membership.role} of '{tenant.slug}'."
        )
