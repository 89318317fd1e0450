"""Leads, their tags and their activity log."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower
from django.urls import reverse
from django.utils import timezone

from tenancy.models.tenants import Membership, TenantOwned
from tenancy.validators import (
    ACTIVITY_MESSAGE_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    capped_text_field,
    normalize_phone,
    validate_phone,
)

from .sources import LeadChannel, LeadSource, LeadSubSource
from .tags import Tag, names_of

# A hot lead: open and scored at least this high (90: a typical web lead with a company and a
# business email scores 85, so "hot" singles out referrals and VIPs — docs/metrics.md). One
# definition, used by the property, the filter and the statistics.
HOT_LEAD_SCORE = 90


class LeadStatus(models.TextChoices):
    NEW = "NEW", "New"
    CONTACTED = "CONTACTED", "Contacted"
    QUALIFIED = "QUALIFIED", "Qualified"
    PROPOSAL = "PROPOSAL", "Proposal"
    NEGOTIATION = "NEGOTIATION", "Negotiation"
    WON = "WON", "Won"
    LOST = "LOST", "Lost"
    CALLBACK = "CALLBACK", "Callback"


CLOSED_STATUSES = (LeadStatus.WON, LeadStatus.LOST)
# Reaching one of these statuses means the lead has been contacted / qualified (funnel stages).
CONTACTED_STATUSES = (
    LeadStatus.CONTACTED,
    LeadStatus.CALLBACK,
    LeadStatus.QUALIFIED,
    LeadStatus.PROPOSAL,
    LeadStatus.NEGOTIATION,
    LeadStatus.WON,
)
QUALIFIED_STATUSES = (
    LeadStatus.QUALIFIED,
    LeadStatus.PROPOSAL,
    LeadStatus.NEGOTIATION,
    LeadStatus.WON,
)


def search_text_expression() -> Lower:
    """Lower-cased name, email, phone and company: the text leads' and customers' search
    matches (`search_text`)."""
    return Lower(
        Concat(
            "first_name",
            Value(" "),
            "last_name",
            Value(" "),
            "email",
            Value(" "),
            "phone",
            Value(" "),
            "company",
            output_field=models.TextField(),
        )
    )


def hot_lead_q() -> Q:
    return Q(lead_score__gte=HOT_LEAD_SCORE) & ~Q(status__in=CLOSED_STATUSES)


def follow_up_due_q(*, before) -> Q:
    """A lead needing follow-up: open, with its next follow-up before `before` (the end of the
    day asked about), overdue ones included. One definition for the home page and the filter."""
    return Q(next_follow_up_date__lt=before) & ~Q(status__in=CLOSED_STATUSES)


class Lead(TenantOwned):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=32, blank=True, validators=[validate_phone])
    company = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=100, blank=True)

    status = models.CharField(max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    source = models.ForeignKey(LeadSource, on_delete=models.PROTECT, related_name="leads")
    sub_source = models.ForeignKey(
        LeadSubSource, null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    channel = models.ForeignKey(
        LeadChannel, null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_leads",
    )

    lead_score = models.PositiveSmallIntegerField(
        default=50, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    probability = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Chance of winning, 0.00 to 1.00.",
    )
    estimated_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    expected_close_date = models.DateField(null=True, blank=True)
    last_contact_date = models.DateTimeField(null=True, blank=True)
    next_follow_up_date = models.DateTimeField(null=True, blank=True)
    call_attempts = models.PositiveIntegerField(default=0)
    tags = models.ManyToManyField(Tag, through="LeadTag", blank=True, related_name="leads")
    notes = capped_text_field(NOTES_MAX_LENGTH, blank=True)
    customer = models.ForeignKey(
        "Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )

    # When the lead first reached a funnel stage; set by the lead services, never by clients.
    contacted_at = models.DateTimeField(null=True, blank=True, editable=False)
    qualified_at = models.DateTimeField(null=True, blank=True, editable=False)
    converted_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # What the search box matches (name, email, phone, company), kept by the database itself.
    # On PostgreSQL a trigram GIN index on it serves `LIKE '%term%'` (see migration 0002).
    search_text = models.GeneratedField(
        expression=search_text_expression(),
        output_field=models.TextField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        # Chosen with bench/ (docs/benchmarks.md). The two partial indexes: live leads by status,
        # source and score (page counts and /leads/statistics/ read it index-only; a page for one
        # status and source sorted by score reads it in order) and the small archive view.
        indexes = [
            models.Index(fields=["tenant", "created_at"], name="lead_tenant_created"),
            models.Index(
                fields=["tenant", "status", "source", "lead_score", "id"],
                condition=Q(archived_at__isnull=True),
                name="lead_live_status_source_score",
            ),
            models.Index(
                fields=["tenant", "created_at", "id"],
                condition=Q(archived_at__isnull=False),
                name="lead_archived_created",
            ),
            models.Index(fields=["tenant", "status", "created_at"], name="lead_tenant_status"),
            models.Index(
                fields=["tenant", "assigned_to", "created_at"], name="lead_tenant_assignee"
            ),
            models.Index(fields=["tenant", "source", "created_at"], name="lead_tenant_source"),
            models.Index(fields=["tenant", "lead_score"], name="lead_tenant_score"),
            models.Index(fields=["tenant", "email"], name="lead_tenant_email"),
            # Live hot leads (hot_lead_q() and the lists' live condition, as Django writes them,
            # so the planner proves a list's WHERE implies it). The hot + tag list's count
            # merges it with the links' (tenant, tag, lead) index, both read index-only: 2.4 ms
            # instead of 32.8 for 8,622 leads tagged `newsletter` of 100,000 (19 ms with the
            # link index alone; docs/benchmarks.md, "Tag filters through covering and hot-lead
            # indexes"). Changing HOT_LEAD_SCORE or CLOSED_STATUSES needs a migration.
            models.Index(
                fields=["tenant", "id"],
                condition=hot_lead_q() & Q(archived_at__isnull=True),
                name="lead_hot_live",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.phone:
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError as exc:
                errors["phone"] = exc.messages
        if not self.email and not self.phone and "phone" not in errors:
            errors["email"] = ["Give an email address or a phone number."]
        if self.source_id and self.source.tenant_id != self.tenant_id:
            errors["source"] = ["Unknown lead source."]
        elif self.source_id and not self.source.is_active and self._source_changed():
            errors["source"] = [f"{self.source.source_code} is inactive."]
        if self.sub_source_id:
            if self.sub_source.tenant_id != self.tenant_id:
                errors["sub_source"] = ["Unknown sub-source."]
            elif self.sub_source.source_id != self.source_id:
                errors["sub_source"] = [
                    f"{self.sub_source.sub_source_code} is not a sub-source of "
                    f"{self.source.source_code}."
                ]
        if self.channel_id and self.channel.tenant_id != self.tenant_id:
            errors["channel"] = ["Unknown channel."]
        if self.customer_id and self.customer.tenant_id != self.tenant_id:
            errors["customer"] = ["Unknown customer."]
        if self.assigned_to_id and not Membership.is_active_member(
            tenant_id=self.tenant_id, user_id=self.assigned_to_id
        ):
            errors["assigned_to"] = ["Not an active member of this tenant."]
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self) -> str:
        return reverse("crm:lead-detail", args=[self.pk])

    def _source_changed(self) -> bool:
        """New leads and leads moved to another source must pick an active one."""
        if self.pk is None:
            return True
        return not Lead.objects.filter(pk=self.pk, source_id=self.source_id).exists()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def days_since_created(self) -> int:
        return (timezone.now() - self.created_at).days

    @property
    def days_since_last_contact(self) -> int | None:
        if self.last_contact_date is None:
            return None
        return (timezone.now() - self.last_contact_date).days

    @property
    def is_hot_lead(self) -> bool:
        return self.lead_score >= HOT_LEAD_SCORE and self.status not in CLOSED_STATUSES

    @property
    def is_overdue_follow_up(self) -> bool:
        return self.next_follow_up_date is not None and self.next_follow_up_date < timezone.now()

    def tag_names(self) -> list[str]:
        return names_of(self, self.tags)


class LeadTag(TenantOwned):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="lead_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="lead_tags")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "lead", "tag"], name="leadtag_unique")
        ]
        # Covering: the tag filter's `lead_id IN (links of tags …)` and a tag's lead count are
        # read from the index alone, in lead order for a merge with the lead indexes (the
        # hot + tag count: 32.8 → 2.4 ms with lead_hot_live; docs/benchmarks.md). It replaces
        # (tenant, tag), which sent each link to the heap for its lead.
        indexes = [models.Index(fields=["tenant", "tag", "lead"], name="leadtag_tenant_tag_lead")]


class ActivityKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    STATUS = "status", "Status changed"
    ASSIGNED = "assigned", "Assigned"
    NOTE = "note", "Note"
    ARCHIVED = "archived", "Archived"
    RESTORED = "restored", "Restored"
    MILESTONE = "milestone", "Milestone"


class LeadActivity(TenantOwned):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="activities")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=ActivityKind.choices)
    message = capped_text_field(ACTIVITY_MESSAGE_MAX_LENGTH)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "lead", "created_at"], name="activity_lead")]
        verbose_name_plural = "lead activities"

    def __str__(self) -> str:
        return self.message
