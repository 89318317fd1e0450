"""Factories for tests and the benchmark. Leads and customers are made through the ORM (fast,
exact timestamps), a lead announced as lead_create announces it (so the projections kept from
leads, such as milestones' open steps, hold it); tests of their services call the services
directly. Field definitions are
made by definition_create (as the operator), so each gets its slot as the app gives it."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.models import Customer, Lead, LeadSource, LeadStatus
from crm.signals import announce_leads_changed
from customfields.models import FieldDefinition, FieldType
from customfields.services.definitions import definition_create
from tenancy.actors import OPERATOR
from tenancy.models import Membership, Role
from tenancy.services.tenants import tenant_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-word-1")


def make_tenant(slug: str, **kwargs):
    """A tenant with every app's defaults but no custom fields (tests define their own)."""
    kwargs.setdefault("industry_template", False)
    return tenant_create(slug=slug, name=kwargs.pop("name", slug.title()), **kwargs)


def make_member(tenant, username: str, role: str = Role.AGENT) -> Membership:
    user = UserFactory(username=username)
    membership = Membership.objects.create(tenant=tenant, user=user, role=role)
    if role == Role.ADMIN:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    status = LeadStatus.NEW
    source = factory.LazyAttribute(
        lambda o: LeadSource.objects.get(tenant=o.tenant, is_default=True, deleted_at__isnull=True)
    )
    created_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        lead = super()._create(model_class, *args, **kwargs)
        announce_leads_changed(tenant=lead.tenant, lead_ids=[lead.pk])
        return lead


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer without custom values (give those through customer_create/customer_update)."""

    class Meta:
        model = Customer

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    created_at = factory.LazyFunction(timezone.now)


class FieldDefinitionFactory(factory.django.DjangoModelFactory):
    """FieldDefinitionFactory(tenant=..., field_key=..., field_type=..., **other fields)."""

    class Meta:
        model = FieldDefinition

    field_key = factory.Sequence(lambda n: f"field_{n}")
    field_label = factory.LazyAttribute(lambda d: d.field_key.replace("_", " ").capitalize())
    field_type = FieldType.TEXT

    @classmethod
    def _create(cls, model_class, *args, tenant, **data):
        return definition_create(tenant=tenant, by=OPERATOR, data=data)


def with_crm_score(customer: Customer, score: int) -> Customer:
    """Store `score` as the customer's crm_score, which no service lets anyone type: for tests of
    what reads the score (callback priority, lists), not of how it is computed."""
    Customer.objects.filter(pk=customer.pk).update(crm_score=score)
    customer.crm_score = score
    return customer
