"""Customers: core fields, CRM metadata, tags, and the custom-field columns (customfields.slots:
the 90 typed slots tenants map their own fields to, plus JSON for overflow)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Greatest, Least, Left, Lower, Trim
from django.urls import reverse
from django.utils import timezone

from customfields.indexing import slot_indexes
from customfields.slots import add_custom_field_columns
from tenancy.models.tenants import Tenant, TenantOwned
from tenancy.validators import (
    CUSTOMER_DESCRIPTION_MAX_LENGTH,
    capped_text_field,
    normalize_phone,
    validate_phone,
)

from .leads import search_text_expression
from .tags import Tag, names_of


def _key(expression) -> Lower:
    return Lower(Trim(expression))


def _initial(name: str) -> Left:
    # The first letter cut before it is lower-cased and again after (lower of one letter can be
    # two): the same letter as lower-casing the whole name first, for a fraction of the work.
    return Left(Lower(Left(Trim(name), 1)), 1)


def covered_tenant(*, constraint: bool = True) -> models.ForeignKey:
    """The tenant key of a table whose composite indexes all start with the tenant: without
    the single-column index TenantOwned gives it, which those indexes cover (a query by tenant
    alone reads the first of them) and which every insert paid for — one B-tree entry fewer
    per row of an import's customers, tag links and tag changes (docs/benchmarks.md, issue 15
    round 5)."""
    return models.ForeignKey(
        Tenant, on_delete=models.CASCADE, db_index=False, db_constraint=constraint
    )


def _stored(expression) -> models.GeneratedField:
    return models.GeneratedField(
        expression=expression, output_field=models.TextField(), db_persist=True
    )


class Customer(TenantOwned):
    tenant = covered_tenant()  # customer_tenant_created and the others lead with it
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=32, blank=True, validators=[validate_phone])
    company = models.CharField(max_length=200, blank=True)
    description = capped_text_field(CUSTOMER_DESCRIPTION_MAX_LENGTH, blank=True)
    tags = models.ManyToManyField(Tag, through="CustomerTag", blank=True, related_name="customers")

    # CRM metadata: contact and purchase counters and the score
    crm_score = models.IntegerField(default=0)
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    total_interactions = models.PositiveIntegerField(default=0)
    total_purchases = models.PositiveIntegerField(default=0)
    total_spent = models.DecimalField(
        max_digits=20, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # The import that created this customer (crm.services.imports): its undo deletes the
    # customers stamped with it and the timeline shows "Imported from …". A stamp instead of
    # an ImportRecord per created customer: one row, three foreign-key checks and seven index
    # entries fewer per imported customer. Customers an import *updated* keep their
    # ImportRecord (the values before, for the undo).
    import_job = models.ForeignKey(
        "crm.ImportJob",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # the partial index below: most customers have no stamp
    )
    # What search matches (name, email, phone, company), kept by the database itself, as for
    # leads. On PostgreSQL a trigram GIN index on it serves `LIKE '%term%'` (migration 0003).
    search_text = models.GeneratedField(
        expression=search_text_expression(),
        output_field=models.TextField(),
        db_persist=True,
    )
    # The keys duplicate detection (crm.selectors.duplicates) compares, stored and kept by the
    # database on every write — services, imports' COPY, bulk updates, merges, raw SQL alike —
    # so the tenant-wide grouping reads them instead of computing them for every customer on
    # every request: the address and the full name, trimmed and case-folded
    # (tenancy.validators.normalize_email for the address), the company likewise (half of a
    # name's scope), and the block similar names are compared in — the first letters of the
    # first and last names in either order ("al" for Ann Lee and for Lee Ann).
    email_key = _stored(_key("email"))
    name_key = _stored(_key(Concat("first_name", Value(" "), "last_name")))
    company_key = _stored(_key("company"))
    name_block = _stored(
        Concat(
            Least(_initial("first_name"), _initial("last_name")),
            Greatest(_initial("first_name"), _initial("last_name")),
        )
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "created_at", "id"], name="customer_tenant_created"),
            models.Index(fields=["tenant", "email"], name="customer_tenant_email"),
            models.Index(fields=["tenant", "crm_score"], name="customer_tenant_score"),
            models.Index(fields=["tenant", "last_contacted_at"], name="customer_tenant_contacted"),
            # Duplicate detection (crm.selectors.duplicates) compares the stored keys and phones
            # as stored (normalised). The ids included: the tenant's repeated addresses and
            # phones, with their customers, come from one index-only pass in key order.
            models.Index(
                fields=["tenant", "email_key"],
                include=["id"],
                condition=~Q(email=""),
                name="customer_tenant_email_key",
            ),
            models.Index(
                fields=["tenant", "phone"],
                include=["id"],
                condition=~Q(phone=""),
                name="customer_tenant_phone_ids",
            ),
            models.Index(
                fields=["tenant", "company_key"],
                condition=~Q(company=""),
                name="customer_tenant_company_key",
            ),
            models.Index(
                fields=["import_job", "tenant"],
                condition=Q(import_job__isnull=False),
                name="customer_import_job",
            ),
            # Partial (tenant, slot) indexes on the filterable slot types: customfields.indexing.
            *slot_indexes(),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("crm:customer-detail", args=[self.pk])

    def clean(self) -> None:
        if self.phone:
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError as exc:
                raise ValidationError({"phone": exc.messages}) from None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def tag_names(self) -> list[str]:
        return names_of(self, self.tags)


# custom_fields_extra and the 90 slots, custom_text_1 … custom_select_10.
add_custom_field_columns(Customer)


class CustomerTag(TenantOwned):
    tenant = covered_tenant()  # customertag_unique and customertag_tenant_tag_cust lead with it
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="customer_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="customer_tags")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "customer", "tag"], name="customertag_unique")
        ]
        # Covering, as leadtag_tenant_tag_lead: the tag filter's `customer_id IN (links of tags
        # …)` reads the index alone, in customer order (docs/benchmarks.md, "Tag filters through
        # covering and hot-lead indexes"). It replaces (tenant, tag).
        indexes = [
            models.Index(fields=["tenant", "tag", "customer"], name="customertag_tenant_tag_cust")
        ]
