"""Factories of callback rows, written straight to the tables: no SLA is computed and nothing
is logged, so they suit tests of reads and access (and the benchmark). Tests of the writes call
the services (see conftest's `make_callback`)."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from callbacks.models import (
    BusinessHoliday,
    CallbackActivity,
    CallbackActivityKind,
    CallbackReason,
    CallbackRequest,
    CallbackSource,
    PriorityCategory,
)
from tests.factories import LeadFactory


class CallbackRequestFactory(factory.django.DjangoModelFactory):
    """A pending request for a new lead of the tenant (pass `tenant=`), due 72 hours after it
    arrived."""

    class Meta:
        model = CallbackRequest

    lead = factory.SubFactory(LeadFactory, tenant=factory.SelfAttribute("..tenant"))
    phone = factory.Sequence(lambda n: f"+1555{n:07d}")
    reason = CallbackReason.SUPPORT
    source = CallbackSource.MANUAL
    created_at = factory.LazyFunction(timezone.now)
    sla_category = PriorityCategory.LOW
    sla_due_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(hours=72))


class CallbackActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallbackActivity

    callback = factory.SubFactory(CallbackRequestFactory)
    tenant = factory.SelfAttribute("callback.tenant")
    kind = CallbackActivityKind.NOTE
    message = "Note"
    note = factory.Faker("sentence")


class BusinessHolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessHoliday

    date = factory.Sequence(lambda n: date(2030, 1, 1) + timedelta(days=n))
    name = factory.Sequence(lambda n: f"Holiday {n}")
