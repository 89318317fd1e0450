"""The lead filter set: one translation of query parameters into a query, used by the API and
the leads page alike. Choices come from the request's tenant, so a foreign code or id is a
validation error (400 in the API, a form error on the page)."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.utils import timezone
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from tenancy.selectors import members_of
from tenancy.validators import FILTER_LIST_MAX_VALUES, validate_filter_date

from .models import (
    CustomerTag,
    LeadChannel,
    LeadSource,
    LeadStatus,
    LeadSubSource,
    LeadTag,
    Segment,
    hot_lead_q,
)
from .models.leads import follow_up_due_q
from .selectors.segments import customers_in_segment
from .selectors.tags import tag_ids_named


def _tenant(request):
    return request.tenant if request is not None else None


def tenant_sources(request):
    return LeadSource.objects.for_tenant(_tenant(request)).live()


def tenant_sub_sources(request):
    return LeadSubSource.objects.for_tenant(_tenant(request)).live().select_related("source")


def tenant_channels(request):
    return LeadChannel.objects.for_tenant(_tenant(request)).live()


def tenant_users(request):
    return members_of(_tenant(request))


def lead_search(queryset: QuerySet, value: str) -> QuerySet:
    """Leads with every word of `value` in their name, email, phone or company (the trigram-
    indexed `search_text`)."""
    for term in value.lower().split():
        queryset = queryset.filter(search_text__contains=term)
    return queryset


def customer_search(queryset: QuerySet, value: str) -> QuerySet:
    """Customers with every word of `value` in their name, email, phone or company (the
    trigram-indexed `search_text`)."""
    return lead_search(queryset, value)


class TagsField(forms.CharField):
    """Comma-separated tag names, at most FILTER_LIST_MAX_VALUES of them."""

    def to_python(self, value):
        value = super().to_python(value)
        ProhibitNullCharactersValidator()(value)  # checked on the text: the list hides it
        return [t.strip().lower() for t in value.split(",") if t.strip()] if value else []

    def validate(self, value):
        super().validate(value)
        if len(value) > FILTER_LIST_MAX_VALUES:
            raise forms.ValidationError(
                f"Give at most {FILTER_LIST_MAX_VALUES} tags ({len(value)} given)."
            )


TAGS_LABEL = f"Tags (comma-separated, at most {FILTER_LIST_MAX_VALUES}; any match)"


@extend_schema_field(
    {
        "type": "string",
        "description": "Tag names separated by commas (`tags=vip,hot`), at most "
        f"{FILTER_LIST_MAX_VALUES}; a row with any of them matches. Names are compared in "
        "lower case.",
        "example": "vip,hot",
    }
)
class TagsFilter(django_filters.Filter):
    """One parameter with a comma list, not repeated parameters: the schema says so (it would
    otherwise guess the tags relation's integer key)."""

    field_class = TagsField


class FormClassOnce:
    """A filter set whose form class is built once per filter set class, not per request.

    django-filter builds every filter's form field and a new form class for each request
    (~2 ms of a list request's CPU). The class is built here without a request, so its model
    choices are none of any tenant's (the tenant-less querysets match no row); each form then
    gets the request's querysets (the tenant's sources, members …) before it validates or
    shows a choice."""

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class_once")
        if form_class is None:
            unscoped = cls(queryset=self.queryset, request=None)  # the filters, no request
            form_class = super(FormClassOnce, unscoped).get_form_class()
            cls._form_class_once = form_class
        return form_class

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            for name, filter_ in self.filters.items():
                if isinstance(filter_, QuerySetRequestMixin):
                    form.fields[name].queryset = filter_.get_queryset(self.request)
        return self._form

    # Without parameters: what the filter set gives when the request names none of its fields
    # (UnfilteredFirstBackend), written once for both ways.

    @classmethod
    def after_filters(cls, queryset: QuerySet, cleaned: dict) -> QuerySet:
        """What the filter set adds after its filters, from the form's cleaned data."""
        return queryset

    def filter_queryset(self, queryset):
        return self.after_filters(super().filter_queryset(queryset), self.form.cleaned_data)

    @classmethod
    def reads_any(cls, params) -> bool | None:
        """Whether `params` hold a value for any field of the filter set's form (each widget
        knows its own keys: `lead_score_min`, a range's `_after` …); None before the form
        class is built."""
        form_class = cls.__dict__.get("_form_class_once")
        if form_class is None:
            return None
        return any(
            _given(field.widget, name, params) for name, field in form_class.base_fields.items()
        )

    @classmethod
    def unfiltered(cls, queryset: QuerySet) -> QuerySet:
        """The filter set's result for no parameters, without a form: every filter passes an
        empty value through, so only `after_filters` applies (tests/crm/test_filter_form_once
        compares the two for each filter set)."""
        return cls.after_filters(queryset, {})


def _given(widget, name: str, params) -> bool:
    """Whether `params` hold a value for the widget. A checkbox and a multiple select say they
    are never left out of a form's data (an unticked box sends nothing); in query parameters
    they are given when their name is."""
    if isinstance(widget, forms.CheckboxInput | forms.SelectMultiple):
        return name in params
    return not widget.value_omitted_from_data(params, {}, name)


class UnfilteredFirstBackend(DjangoFilterBackend):
    """The API's filter backend: a list request that names none of the filter set's fields
    (the plain first page) skips building and validating the filter set (a copy of every
    filter and form field, ~2 ms of CPU) and gets the same query from `unfiltered`."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if (
            filterset_class is not None
            and issubclass(filterset_class, FormClassOnce)
            and filterset_class.reads_any(request.query_params) is False
        ):
            return filterset_class.unfiltered(queryset)
        return super().filter_queryset(request, queryset, view)


class LeadFilterSet(FormClassOnce, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices)
    source = django_filters.ModelChoiceFilter(queryset=tenant_sources, to_field_name="source_code")
    # Repeated for several (`sub_source=FACEBOOK&sub_source=LINKEDIN`). The schema is given: the
    # code cannot be guessed through the related field.
    sub_source = extend_schema_field(
        {"type": "string", "description": "Sub-source code (matches that code under any source)."}
    )(
        django_filters.ModelMultipleChoiceFilter(
            queryset=tenant_sub_sources,
            field_name="sub_source__sub_source_code",
            to_field_name="sub_source_code",
        )
    )
    channel = django_filters.ModelChoiceFilter(
        queryset=tenant_channels, to_field_name="channel_code"
    )
    assigned_to = django_filters.ModelChoiceFilter(queryset=tenant_users)
    unassigned = django_filters.BooleanFilter(field_name="assigned_to", lookup_expr="isnull")
    created_after = django_filters.DateFilter(
        method="filter_created_after",
        label="Created on or after (tenant time)",
        validators=[validate_filter_date],
    )
    created_before = django_filters.DateFilter(
        method="filter_created_before",
        label="Created on or before (tenant time)",
        validators=[validate_filter_date],
    )
    lead_score_min = django_filters.NumberFilter(
        field_name="lead_score", lookup_expr="gte", min_value=0, max_value=100
    )
    lead_score_max = django_filters.NumberFilter(
        field_name="lead_score", lookup_expr="lte", min_value=0, max_value=100
    )
    search = django_filters.CharFilter(
        method="filter_search", max_length=200, label="Words in name, email, phone or company"
    )
    is_hot_leads_only = django_filters.BooleanFilter(method="filter_hot", label="Hot leads only")
    follow_up_due = django_filters.BooleanFilter(
        method="filter_follow_up_due",
        label="Open leads whose next follow-up is due by the end of today (tenant time)",
    )
    tags = TagsFilter(method="filter_tags", label=TAGS_LABEL)
    include_archived = django_filters.BooleanFilter(method="filter_noop", label="Include archived")
    archived_only = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True
    )

    @classmethod
    def after_filters(cls, queryset, cleaned):
        # Archived leads leave the list unless asked for.
        if not (cleaned.get("include_archived") or cleaned.get("archived_only")):
            queryset = queryset.filter(archived_at__isnull=True)
        return queryset

    def filter_noop(self, queryset, name, value):
        return queryset

    def _day_start(self, day):
        return datetime.combine(day, time.min, tzinfo=self.request.tenant.tzinfo)

    def filter_created_after(self, queryset, name, value):
        return queryset.filter(created_at__gte=self._day_start(value))

    def filter_created_before(self, queryset, name, value):
        """Inclusive: leads created on `value` (tenant time) are kept."""
        return queryset.filter(created_at__lt=self._day_start(value + timedelta(days=1)))

    def filter_search(self, queryset, name, value):
        return lead_search(queryset, value)

    def filter_follow_up_due(self, queryset, name, value):
        if not value:
            return queryset
        today = timezone.localdate(timezone=self.request.tenant.tzinfo)
        return queryset.filter(follow_up_due_q(before=self._day_start(today + timedelta(days=1))))

    def filter_hot(self, queryset, name, value):
        return queryset.filter(hot_lead_q()) if value else queryset

    def filter_tags(self, queryset, name, value):
        if not value:
            return queryset
        # Any of the names. The tenant's tag ids first (one small query), so the links are
        # read from the (tenant, tag, lead) index with the ids known to the planner.
        tenant = self.request.tenant
        ids = tag_ids_named(tenant=tenant, names=value)
        if not ids:  # no tag of the tenant has any of these names
            return queryset.none()
        tagged = LeadTag.objects.filter(tenant=tenant, tag_id__in=ids)
        return queryset.filter(pk__in=tagged.values("lead_id"))


def lead_filter_contradictions(filterset: LeadFilterSet) -> list[str]:
    """Why a valid filter can match no lead at all, in words (the page says so instead of a
    bare "0 leads")."""
    if not filterset.is_valid():
        return []
    data = filterset.form.cleaned_data
    found = []
    low, high = data.get("lead_score_min"), data.get("lead_score_max")
    if low is not None and high is not None and low > high:
        found.append(f"Score from {low} is above score to {high}: no lead has both.")
    start, end = data.get("created_after"), data.get("created_before")
    if start and end and start > end:
        found.append(
            f"Created from {start:%Y-%m-%d} is after created until {end:%Y-%m-%d}: no lead was "
            f"created in between."
        )
    if data.get("include_archived") is False and data.get("archived_only"):
        found.append("Archived only, without archived leads: nothing can match.")
    return found


LEAD_ORDERING_FIELDS = [
    "created_at",
    "updated_at",
    "lead_score",
    "first_name",
    "last_name",
    "company",
    "status",
    "estimated_value",
    "probability",
    "expected_close_date",
    "last_contact_date",
    "next_follow_up_date",
    "call_attempts",
]


def tenant_segments(request):
    return Segment.objects.for_tenant(_tenant(request))


class CustomerFilterSet(FormClassOnce, django_filters.FilterSet):
    # The segment's stored members (crm.selectors.segments); another tenant's id is a 400.
    segment = extend_schema_field({"type": "integer", "description": "A segment's id."})(
        django_filters.ModelChoiceFilter(
            queryset=tenant_segments, method="filter_segment", label="Members of this segment"
        )
    )
    search = django_filters.CharFilter(
        method="filter_search", label="Name, email, phone or company"
    )
    tags = TagsFilter(method="filter_tags", label=TAGS_LABEL)
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", validators=[validate_filter_date]
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", validators=[validate_filter_date]
    )
    # The computed score (0-100, docs/metrics.md): filterable, never written by hand.
    crm_score_min = django_filters.NumberFilter(
        field_name="crm_score", lookup_expr="gte", min_value=0, max_value=100
    )
    crm_score_max = django_filters.NumberFilter(
        field_name="crm_score", lookup_expr="lte", min_value=0, max_value=100
    )

    def filter_search(self, queryset, name, value):
        return customer_search(queryset, value)

    def filter_segment(self, queryset, name, value):
        return customers_in_segment(queryset, value) if value else queryset

    def filter_tags(self, queryset, name, value):
        if not value:
            return queryset
        # As for leads: the tenant's tag ids, then the (tenant, tag, customer) index.
        tenant = self.request.tenant
        ids = tag_ids_named(tenant=tenant, names=value)
        if not ids:
            return queryset.none()
        tagged = CustomerTag.objects.filter(tenant=tenant, tag_id__in=ids)
        return queryset.filter(pk__in=tagged.values("customer_id"))
