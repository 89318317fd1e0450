from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ...actors import OPERATOR
from ...models import INDUSTRY_CHOICES, Role
from ...services.members import member_add
from ...services.tenants import tenant_create


class Command(BaseCommand):
    help = "Create a tenant with its default configuration and a tenant admin."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--industry",
            choices=[code for code, _ in INDUSTRY_CHOICES],
            help="The tenant's industry; its template of customer fields is applied.",
        )
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-password", required=True)
        parser.add_argument("--admin-email", default="")

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                tenant = tenant_create(
                    slug=options["slug"],
                    name=options["name"],
                    industry=options["industry"] or "other",
                    timezone=options["timezone"],
                    currency=options["currency"],
                )
                member_add(
                    by=OPERATOR,
                    tenant=tenant,
                    username=options["admin_username"],
                    role=Role.ADMIN,
                    password=options["admin_password"],
                    email=options["admin_email"],
                )
        except ValidationError as exc:
            raise CommandError(format_errors(exc)) from exc
        admin = options["admin_username"]
        self.stdout.write(f"Created tenant '{tenant.slug}' ({tenant.name}) with admin '{admin}'.")
        for line in tenant.setup_report:
            self.stdout.write(line)


def format_errors(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)
